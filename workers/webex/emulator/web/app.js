// The emulator's page: pick a user and a room, write to the bot, watch its
// replies arrive, fill in and submit its cards, and inject the faults the
// pipeline must survive. Everything goes through the control API (/_sim),
// which needs no token; the page re-reads what it shows whenever the
// emulator says something changed (/_sim/events).
"use strict";

const state = {
  bot: null,
  bots: [], // every bot's person; the page talks to the first
  botIDs: [], // their short ids, in the same order
  users: [],
  rooms: [],
  user: localStorage.getItem("emulator.user") || "user@example.com",
  room: null,      // the selected room's id; null: the user's direct room, not created yet
  parent: null,    // the message a reply goes to (thread)
  shown: new Map() // message id → its element, in the selected room
};

const $ = (sel) => document.querySelector(sel);

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  const text = await resp.text();
  const data = text ? JSON.parse(text) : null;
  if (!resp.ok) {
    throw new Error((data && data.message) || resp.status + " " + resp.statusText);
  }
  return data;
}

function showError(err) {
  $("#error").textContent = err ? String(err.message || err) : "";
}

// ---- refresh ----

let refreshing = null;
let again = false;

// refresh re-reads everything shown; calls made while one runs are folded
// into one more run after it.
async function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      try {
        await refreshOnce();
      } catch (err) {
        showError(err);
      }
    } while (again);
  })();
  await refreshing;
  refreshing = null;
}

async function refreshOnce() {
  const [people, rooms, faults, delivery, calls, bots] = await Promise.all([
    api("GET", "/_sim/people"), api("GET", "/_sim/rooms"), api("GET", "/_sim/faults"),
    api("GET", "/_sim/delivery"), api("GET", "/_sim/calls?last=15"), api("GET", "/_sim/bots")
  ]);
  state.bot = people.bot;
  state.bots = bots.items.map((b) => b.person);
  state.botIDs = bots.items.map((b) => b.id);
  state.users = people.items;
  state.rooms = rooms.items;
  if (state.room === null) {
    const direct = state.rooms.find((r) => isFirstBotsDirect(r) && sameEmail(r.userEmail, state.user));
    if (direct) state.room = direct.id;
  }
  renderHeader();
  renderUsers();
  renderRooms();
  renderFaults(faults.items, delivery);
  renderCalls(calls.items);
  if (state.room) {
    renderMessages((await api("GET", "/_sim/rooms/" + encodeURIComponent(state.room) + "/messages")).items);
  }
}

const sameEmail = (a, b) => String(a || "").toLowerCase() === String(b || "").toLowerCase();

function live() {
  const badge = $("#live");
  const events = new EventSource("/_sim/events");
  events.addEventListener("change", () => {
    badge.textContent = "live";
    badge.className = "badge on";
    refresh();
  });
  events.onerror = () => {
    badge.textContent = "reconnecting";
    badge.className = "badge off";
  };
}

// ---- header, users, rooms ----

function renderHeader() {
  $("#bot-name").textContent = state.bot ? "bot: " + state.bot.displayName + " <" + state.bot.emails[0] + ">" : "";
}

function renderUsers() {
  const sel = $("#user-select");
  const emails = state.users.map((u) => u.emails[0]);
  if (!emails.some((e) => sameEmail(e, state.user))) emails.push(state.user);
  const key = emails.join(",") + "|" + state.user;
  if (sel.dataset.key === key) return;
  sel.dataset.key = key;
  sel.replaceChildren(...emails.map((e) => {
    const o = new Option(e, e);
    o.selected = sameEmail(e, state.user);
    return o;
  }));
}

function roomLabel(r) {
  if (r.type !== "direct") return r.title;
  return r.userEmail + (isFirstBotsDirect(r) ? " (direct)" : " (direct with " + r.bots.join(", ") + ")");
}

function renderRooms() {
  const list = $("#room-list");
  const key = JSON.stringify(state.rooms.map((r) => [r.id, r.messages])) + state.room;
  if (list.dataset.key !== key) {
    list.dataset.key = key;
    list.replaceChildren(...state.rooms.map((r) => {
      const li = document.createElement("li");
      li.dataset.roomId = r.id;
      li.className = r.id === state.room ? "selected" : "";
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = roomLabel(r);
      const badge = document.createElement("span");
      badge.className = "badge " + r.type;
      badge.textContent = r.type + " · " + r.messages;
      b.append(" ", badge);
      b.onclick = () => selectRoom(r.id);
      li.append(b);
      return li;
    }));
  }
  const current = state.rooms.find((r) => r.id === state.room);
  $("#room-title").textContent = current ? roomLabel(current) : state.user + " (direct, no message yet)";
  $("#mention-bot").checked = current ? current.type === "group" : false;
}

function selectRoom(id) {
  if (id === state.room) return;
  state.room = id;
  const r = state.rooms.find((x) => x.id === id);
  if (r && r.type === "direct") setUser(r.userEmail);
  clearThread();
  $("#messages").replaceChildren();
  state.shown.clear();
  refresh();
}

function setUser(email) {
  state.user = email;
  localStorage.setItem("emulator.user", email);
}

// ---- messages ----

function renderMessages(msgs) {
  const box = $("#messages");
  const ids = new Set(msgs.map((m) => m.id));
  for (const [id, el] of state.shown) {
    if (!ids.has(id)) {
      el.remove();
      state.shown.delete(id);
    }
  }
  const stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 40;
  let added = false;
  for (const m of msgs) {
    if (state.shown.has(m.id)) continue;
    const el = messageElement(m);
    state.shown.set(m.id, el);
    const parent = m.parentId && state.shown.get(m.parentId);
    if (parent) {
      parent.closest(".thread").querySelector(".replies").append(el);
    } else {
      const thread = document.createElement("div");
      thread.className = "thread";
      const replies = document.createElement("div");
      replies.className = "replies";
      thread.append(el, replies);
      box.append(thread);
    }
    added = true;
  }
  if (added && stick) box.scrollTop = box.scrollHeight;
}

// isFirstBotsDirect reports whether r is a direct room of the first bot,
// the one the page writes to.
function isFirstBotsDirect(r) {
  return r.type === "direct" && (!r.bots || !state.botIDs.length || r.bots[0] === state.botIDs[0]);
}

function messageElement(m) {
  const author = state.bots.find((b) => b.id === m.personId);
  const isBot = !!author;
  const el = document.createElement("article");
  el.className = "msg " + (isBot ? "bot" : "user");
  el.dataset.id = m.id;
  const head = document.createElement("div");
  head.className = "head";
  const who = document.createElement("strong");
  who.textContent = isBot ? author.displayName : m.personEmail;
  const when = document.createElement("time");
  when.textContent = new Date(m.created).toLocaleTimeString();
  head.append(who, " ", when);
  if (!m.parentId) {
    const reply = document.createElement("button");
    reply.type = "button";
    reply.className = "reply";
    reply.textContent = "reply in thread";
    reply.onclick = () => setThread(m);
    head.append(" ", reply);
  }
  const body = document.createElement("div");
  body.className = "text";
  if (isBot) {
    body.innerHTML = Markdown.render(m.markdown || m.text);
  } else {
    body.textContent = m.text || "";
    if ((m.mentionedPeople || []).includes(state.bot && state.bot.id)) el.classList.add("mentions-bot");
  }
  el.append(head, body);
  if (m.files && m.files.length) {
    const files = document.createElement("ul");
    files.className = "files";
    files.replaceChildren(...m.files.map((f) => {
      const li = document.createElement("li");
      li.textContent = "📎 " + f;
      return li;
    }));
    el.append(files);
  }
  for (const a of m.attachments || []) {
    if (a.contentType === "application/vnd.microsoft.card.adaptive") el.append(cardElement(m, a.content));
  }
  return el;
}

// ---- cards ----

// hostConfig approximates how Webex lays out a card.
const hostConfig = {
  fontFamily: "system-ui, -apple-system, 'Segoe UI', sans-serif",
  spacing: { small: 4, default: 8, medium: 16, large: 24, extraLarge: 32, padding: 12 },
  actions: { maxActions: 5, buttonSpacing: 8, showCard: { actionMode: "inline" }, actionsOrientation: "horizontal", actionAlignment: "left" },
  containerStyles: {
    default: { backgroundColor: "#ffffff", foregroundColors: { default: { default: "#1f1f1f", subtle: "#6b6b6b" }, good: { default: "#1d7d3f" }, attention: { default: "#c4314b" } } }
  }
};

AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = Markdown.render(text);
  result.didProcess = true;
};

function cardElement(m, content) {
  const host = document.createElement("div");
  host.className = "card-host";
  try {
    const card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
    // Webex renders schema 1.3: what a later version adds is not shown.
    card.parse(content, new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_3));
    card.onExecuteAction = (action) => {
      if (action instanceof AdaptiveCards.SubmitAction) submitCard(m, action.data, host);
    };
    host.append(card.render());
  } catch (err) {
    host.textContent = "This card could not be rendered: " + err.message;
  }
  return host;
}

async function submitCard(m, inputs, host) {
  const note = host.querySelector(".submitted") || host.appendChild(document.createElement("p"));
  note.className = "submitted muted";
  try {
    const a = await api("POST", "/_sim/messages/" + encodeURIComponent(m.id) + "/submit", { personEmail: state.user, inputs: inputs || {} });
    note.textContent = "Submitted as " + state.user + " (attachment action " + a.id.slice(0, 12) + "…)";
    showError(null);
  } catch (err) {
    note.textContent = "";
    showError(err);
  }
}

// ---- composer ----

function setThread(m) {
  state.parent = m.id;
  $("#thread-parent").textContent = (m.text || "").slice(0, 40) || m.id;
  $("#thread-indicator").hidden = false;
  $("#composer-text").focus();
}

function clearThread() {
  state.parent = null;
  $("#thread-indicator").hidden = true;
}

async function send(ev) {
  ev.preventDefault();
  const text = $("#composer-text").value.trim();
  const files = $("#files").value.split(",").map((f) => f.trim()).filter(Boolean);
  if (!text && !files.length) return;
  const msg = { personEmail: state.user, text, files, mentionBot: $("#mention-bot").checked };
  if (state.room) msg.roomId = state.room;
  if (state.parent) msg.parentId = state.parent;
  try {
    const sent = await api("POST", "/_sim/messages", msg);
    $("#composer-text").value = "";
    $("#files").value = "";
    clearThread();
    showError(null);
    if (state.room !== sent.roomId) selectRoom(sent.roomId);
    else refresh();
  } catch (err) {
    showError(err);
  }
}

// ---- faults, webhooks, calls ----

function renderFaults(faults, delivery) {
  $("#faults-list").replaceChildren(...faults.map((f) => {
    const li = document.createElement("li");
    const what = f.status ? String(f.status) + (f.served ? " after serving" : "") : "no status";
    li.textContent = (f.method || "any") + " " + (f.path || "any path") + ": " + what +
      (f.retryAfter ? ", Retry-After " + f.retryAfter : "") + (f.delay ? ", delay " + f.delay : "") +
      (f.times ? ", " + f.times + " left" : ", until cleared");
    return li;
  }));
  $("#delivery-state").textContent = delivery.enabled
    ? "Delivered to ingest."
    : "Switched off: webhooks are lost on the way (" + delivery.dropped + " so far).";
  const toggle = $("#delivery-toggle");
  toggle.textContent = delivery.enabled ? "Switch webhooks off" : "Switch webhooks on";
  toggle.dataset.enabled = String(delivery.enabled);
}

function renderCalls(calls) {
  $("#calls-list").replaceChildren(...calls.slice().reverse().map((c) => {
    const li = document.createElement("li");
    li.className = c.status >= 400 ? "failed" : c.status === 0 ? "pending" : "";
    li.textContent = new Date(c.at).toLocaleTimeString() + " " + c.method + " " + c.path + " → " + (c.status || "…");
    return li;
  }));
}

async function inject(fault) {
  try {
    await api("POST", "/_sim/faults", fault);
    showError(null);
  } catch (err) {
    showError(err);
  }
}

function faultFromForm(form) {
  const f = {};
  const d = new FormData(form);
  for (const k of ["method", "path", "retryAfter", "delay"]) if (d.get(k)) f[k] = String(d.get(k));
  for (const k of ["status", "times"]) if (d.get(k)) f[k] = Number(d.get(k));
  if (d.get("served")) f.served = true;
  return f;
}

// ---- start ----

function start() {
  $("#composer").addEventListener("submit", send);
  $("#composer-text").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) send(ev);
  });
  $("#thread-cancel").onclick = clearThread;
  $("#user-select").onchange = (ev) => {
    setUser(ev.target.value);
    const r = state.rooms.find((x) => x.id === state.room);
    if (r && r.type === "direct" && !sameEmail(r.userEmail, state.user)) openDirect();
    else refresh();
  };
  $("#new-user-form").onsubmit = (ev) => {
    ev.preventDefault();
    const email = $("#new-user").value.trim();
    if (!email.includes("@")) return showError("An email address, please.");
    $("#new-user").value = "";
    setUser(email);
    openDirect();
  };
  $("#open-direct").onclick = openDirect;
  $("#new-space-form").onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const r = await api("POST", "/_sim/rooms", { title: $("#new-space-title").value, creatorEmail: state.user });
      $("#new-space-title").value = "";
      selectRoom(r.id);
    } catch (err) {
      showError(err);
    }
  };
  for (const b of document.querySelectorAll("button[data-fault]")) {
    b.onclick = () => inject(JSON.parse(b.dataset.fault));
  }
  $("#fault-form").onsubmit = (ev) => {
    ev.preventDefault();
    inject(faultFromForm(ev.target));
  };
  $("#clear-faults").onclick = () => api("DELETE", "/_sim/faults").catch(showError);
  $("#delivery-toggle").onclick = (ev) =>
    api("PUT", "/_sim/delivery", { enabled: ev.target.dataset.enabled !== "true" }).catch(showError);
  live();
  refresh();
}

// openDirect shows the user's direct room with the bot, which the first
// message creates when there is none.
function openDirect() {
  const direct = state.rooms.find((r) => isFirstBotsDirect(r) && sameEmail(r.userEmail, state.user));
  clearThread();
  $("#messages").replaceChildren();
  state.shown.clear();
  state.room = direct ? direct.id : null;
  refresh();
}

document.addEventListener("DOMContentLoaded", start);

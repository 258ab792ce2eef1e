// A small Markdown renderer for the bot's messages and the cards' text: the
// subset Webex bots write (paragraphs, line breaks, **bold**, _italic_,
// `code`, fenced code blocks, links, lists). Everything is escaped first,
// so a user's text can never become markup.
"use strict";

const Markdown = (() => {
  const escape = (s) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  function inline(text) {
    let s = escape(text);
    const codes = [];
    s = s.replace(/`([^`]+)`/g, (_, c) => { codes.push(c); return "\u0000" + (codes.length - 1) + "\u0000"; });
    s = s.replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>");
    s = s.replace(/(^|[^\w])_(.+?)_(?=[^\w]|$)/g, "$1<em>$2</em>");
    s = s.replace(/(^|[^*])\*([^*]+)\*(?=[^*]|$)/g, "$1<em>$2</em>");
    s = s.replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>');
    s = s.replace(/\\([\\`*_{}\[\]()#+\-.!<>|~])/g, "$1");
    return s.replace(/\u0000(\d+)\u0000/g, (_, i) => "<code>" + codes[Number(i)] + "</code>");
  }

  function render(text) {
    const out = [];
    const blocks = String(text || "").replace(/\r\n/g, "\n").split(/(```[a-z]*\n[\s\S]*?\n?```)/);
    for (const block of blocks) {
      const fence = block.match(/^```[a-z]*\n([\s\S]*?)\n?```$/);
      if (fence) {
        out.push("<pre><code>" + escape(fence[1]) + "</code></pre>");
        continue;
      }
      for (const para of block.split(/\n{2,}/)) {
        if (!para.trim()) continue;
        const lines = para.split("\n");
        if (lines.every((l) => /^\s*[-*] /.test(l))) {
          out.push("<ul>" + lines.map((l) => "<li>" + inline(l.replace(/^\s*[-*] /, "")) + "</li>").join("") + "</ul>");
        } else {
          out.push("<p>" + lines.map(inline).join("<br>") + "</p>");
        }
      }
    }
    return out.join("");
  }

  return { render, escape };
})();

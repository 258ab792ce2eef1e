package events

// knownKeys names the keys Decode reads in one object: the JSON names of
// Envelope's fields or of Data's. Decode reads a field only under its
// exact key; a key that folds to it (see foldKey) but is spelled otherwise
// ("Resource", "ID") is refused, since encoding/json would read it into
// the field while Decode and exact readers would not.
// TestKnownKeysMatchTags keeps the lists in step with the struct tags.
type knownKeys int

const (
	envelopeKeys knownKeys = iota
	dataKeys
)

// name returns the known key whose folded form is folded, or "".
func (k knownKeys) name(folded []byte) string {
	if k == dataKeys {
		return dataKey(folded)
	}
	return envelopeKey(folded)
}

func envelopeKey(folded []byte) string {
	switch string(folded) {
	case "ID":
		return "id"
	case "NAME":
		return "name"
	case "TARGETURL":
		return "targetUrl"
	case "RESOURCE":
		return "resource"
	case "EVENT":
		return "event"
	case "FILTER":
		return "filter"
	case "ORGID":
		return "orgId"
	case "CREATEDBY":
		return "createdBy"
	case "APPID":
		return "appId"
	case "OWNEDBY":
		return "ownedBy"
	case "STATUS":
		return "status"
	case "CREATED":
		return "created"
	case "ACTORID":
		return "actorId"
	case "DATA":
		return "data"
	}
	return ""
}

func dataKey(folded []byte) string {
	switch string(folded) {
	case "ID":
		return "id"
	case "ROOMID":
		return "roomId"
	case "ROOMTYPE":
		return "roomType"
	case "PERSONID":
		return "personId"
	case "PERSONEMAIL":
		return "personEmail"
	case "PERSONDISPLAYNAME":
		return "personDisplayName"
	case "CREATED":
		return "created"
	case "PARENTID":
		return "parentId"
	case "MESSAGEID":
		return "messageId"
	case "TYPE":
		return "type"
	case "MENTIONEDPEOPLE":
		return "mentionedPeople"
	case "FILES":
		return "files"
	case "ISMODERATOR":
		return "isModerator"
	}
	return ""
}

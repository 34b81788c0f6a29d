package sparkweb

import "net/http"

// uploadSlot is where the client PUTs the file and where it is fetched.
type uploadSlot struct {
	PutURL  string            `json:"putUrl"`
	GetURL  string            `json:"getUrl"`
	Headers map[string]string `json:"headers"`
}

func (a *api) requestUpload(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "fileName")
	if err != nil {
		return err
	}
	size, err := pathVar(r, "fileSize")
	if err != nil {
		return err
	}
	slot, err := a.svc.RequestUpload(r.Context(), caller(r), name, size)
	if err != nil {
		return err
	}
	return write(w, uploadSlot{PutURL: slot.PutURL, GetURL: slot.GetURL, Headers: slot.Headers})
}

package mirror

import "encoding/json"

func jsonList(l []string) (string, error) {
	b, err := json.Marshal(l)
	return string(b), err
}

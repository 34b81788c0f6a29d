package muc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxUsersChoice is the value to submit for a maximum of asked occupants
// in a form whose field may offer fixed choices (ejabberd: 5 … 200 and
// "none", capped by its max_users). When asked is not among them, the
// closest choice that admits asked occupants is submitted, or the largest
// one, and note says so: the server would otherwise clamp the number
// silently.
func maxUsersChoice(f Field, asked int) (value, note string) {
	want := strconv.Itoa(asked)
	var numbers []int
	for _, o := range f.Options {
		if o.Value == want {
			return want, ""
		}
		if n, err := strconv.Atoi(strings.TrimSpace(o.Value)); err == nil && n > 0 {
			numbers = append(numbers, n)
		}
	}
	if len(numbers) == 0 {
		return want, ""
	}
	slices.Sort(numbers)
	choices := make([]string, len(numbers))
	for i, n := range numbers {
		choices[i] = strconv.Itoa(n)
	}
	chosen := numbers[len(numbers)-1]
	if i, _ := slices.BinarySearch(numbers, asked); i < len(numbers) {
		chosen = numbers[i]
	}
	if asked > numbers[len(numbers)-1] {
		return strconv.Itoa(chosen), fmt.Sprintf("%d was not applied: the chat service allows at most %d occupants per room; %d was set", asked, chosen, chosen)
	}
	return strconv.Itoa(chosen), fmt.Sprintf("%d was not applied: the chat service offers only %s occupants; %d was set", asked, strings.Join(choices, ", "), chosen)
}

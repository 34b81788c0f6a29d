package e2e

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"xmpprest/component/xmppserver"
)

// runLog collects what every xmpprest of the run logs (see testLogger).
var runLog lockedBuffer

// secrets are the secrets and passwords the run used.
var secrets struct {
	sync.Mutex
	set map[string]bool
}

// usedSecret records a secret or password the logs must never show.
// Short ones ("pw") would match ordinary words and are left out.
func usedSecret(s string) {
	if len(s) < 6 {
		return
	}
	secrets.Lock()
	defer secrets.Unlock()
	if secrets.set == nil {
		secrets.set = map[string]bool{}
	}
	secrets.set[s] = true
}

// leakedSecrets returns the recorded secrets that appear in the run's log.
func leakedSecrets() []string {
	log := runLog.String()
	secrets.Lock()
	defer secrets.Unlock()
	var out []string
	for s := range secrets.set {
		if strings.Contains(log, s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// TestMain runs the tests, then searches the logs of the whole run for
// every secret and password it used: a run that logged one fails.
func TestMain(m *testing.M) {
	usedSecret(apiSecret)
	code := m.Run()
	if leaked := leakedSecrets(); len(leaked) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: the logs of the run show %d secrets or passwords: %q\n", len(leaked), leaked)
		code = 1
	} else {
		fmt.Fprintf(os.Stderr, "RELIABILITY log-secrets log_bytes=%d secrets_searched=%d found=0\n", len(runLog.String()), len(secrets.set))
	}
	os.Exit(code)
}

// The calls most likely to leak a credential into the logs (failed and
// successful Basic logins, the legacy user service with its secret and a
// password in the query, account creation and password changes, failures
// the server reports) leave no trace of it.
func TestSecretsStayOutOfLogs(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{})
	cfg := configFor(t, s)
	cfg.Auth.Admins = []string{"logadmin@" + s.Hosts[0]}
	e := attachConfig(t, s, cfg)
	const adminPW, userPW, newPW, wrongPW = "admin-pw-5d1f0c", "user-pw-9a7e33", "new-pw-c0ffee42", "wrong-pw-77b2e1"
	for _, p := range []string{adminPW, userPW, newPW, wrongPW} {
		usedSecret(p)
	}
	e.account("logadmin", adminPW)
	basic := func(pw string) map[string]string {
		return map[string]string{"Authorization": "Basic " + b64("logadmin@"+s.Hosts[0]+":"+pw), "Content-Type": "application/json"}
	}
	if status, _ := e.raw("GET", ofPrefix+"/users/logadmin", basic(wrongPW), ""); status != http.StatusUnauthorized {
		t.Errorf("wrong Basic password: %d", status)
	}
	if status, _ := e.raw("GET", ofPrefix+"/users/logadmin", basic(adminPW), ""); status != http.StatusOK {
		t.Errorf("right Basic password: %d", status)
	}
	if status, b := e.raw("POST", ofPrefix+"/users", basic(adminPW), `{"username":"loguser","password":"`+userPW+`"}`); status != http.StatusCreated {
		t.Errorf("create: %d %s", status, b)
	}
	if status, b := e.raw("PUT", ofPrefix+"/users/loguser", basic(adminPW), `{"password":"`+newPW+`"}`); status != http.StatusOK {
		t.Errorf("password change: %d %s", status, b)
	}
	e.raw("POST", ofPrefix+"/users", basic(adminPW), `{"username":"loguser","password":"`+newPW+`"}`) // a conflict
	e.raw("GET", "/plugins/restapi/userservice?type=add&secret="+apiSecret+"&username=logsvc&password="+userPW, nil, "")
	e.raw("GET", "/plugins/restapi/userservice?type=update&secret=not-"+apiSecret+"&username=logsvc&password="+newPW, nil, "")
	if err := e.canLogIn(e.user("loguser"), newPW); err != nil {
		t.Fatalf("the password change did not happen: %v", err)
	}
	if leaked := leakedSecrets(); len(leaked) > 0 {
		t.Fatalf("the logs show secrets or passwords: %q", leaked)
	}
	if !strings.Contains(runLog.String(), "/plugins/restapi/v1/users") {
		t.Fatal("the run's log holds no access log line: the search would find nothing")
	}
}

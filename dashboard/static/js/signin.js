// The sign-in page: a password or an API key starts a session (an
// HttpOnly cookie the page never sees), then the dashboard opens. Nothing
// the server answers is inserted as HTML.

const errorEl = document.getElementById('signin-error');

async function signIn(body) {
  errorEl.textContent = '';
  let resp;
  try {
    resp = await fetch('/auth/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    errorEl.textContent = 'The server cannot be reached.';
    return;
  }
  let data = null;
  try { data = await resp.json(); } catch { data = null; }
  if (!resp.ok) {
    errorEl.textContent = (data && data.error) || `Sign-in failed (HTTP ${resp.status}).`;
    return;
  }
  location.replace('/');
}

document.getElementById('signin-password').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const user = document.getElementById('signin-user').value.trim();
  const password = document.getElementById('signin-pass').value;
  if (!user || !password) { errorEl.textContent = 'Enter your user name and password.'; return; }
  signIn({ user, password });
});

document.getElementById('signin-key').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const key = document.getElementById('signin-apikey').value.trim();
  if (!key) { errorEl.textContent = 'Enter an API key.'; return; }
  signIn({ key });
});

// Already signed in, or the server runs open: go straight to the dashboard.
fetch('/auth/session', { headers: { Accept: 'application/json' } })
  .then((r) => r.json())
  .then((s) => { if (s && s.signedIn) location.replace('/'); })
  .catch(() => {});

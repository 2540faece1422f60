// The session and the /v1 API. The access token lives in memory only; the
// refresh token lives in sessionStorage, so a reload of this tab keeps the
// session while closing the tab (a shared station PC) ends it. No cookie
// is ever set, so there is nothing for a cross-site request to ride on
// (no CSRF); the Content-Security-Policy of /console allows scripts from
// this origin only, and the console never builds HTML from data.

const REFRESH_KEY = 'courier-console.refresh';
const DEVICE_KEY = 'courier-console.device';

let access = '';
let me = null; // {user_id, role, username}
let refreshing = null;

/** An error answered by the server: status, code and message. */
export class APIError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

function deviceID() {
  let id = sessionStorage.getItem(DEVICE_KEY);
  if (!id) {
    const b = new Uint8Array(8);
    crypto.getRandomValues(b);
    id = 'console-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    sessionStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

function keep(tok, username) {
  access = tok.access_token;
  sessionStorage.setItem(REFRESH_KEY, tok.refresh_token);
  me = { user_id: tok.user_id, role: tok.role, username: username || (me && me.username) || '' };
  sessionStorage.setItem(REFRESH_KEY + '.who', JSON.stringify(me));
}

/** The signed-in user, or null. */
export function currentUser() { return me; }

/** Logs in with a password; resolves to the user. */
export async function login(username, password) {
  const res = await fetch('/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password, device_id: deviceID() }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new APIError(res.status, body.error && body.error.code, body.error && body.error.message);
  keep(body, username);
  return me;
}

/** Resumes the session of this tab after a reload, if there is one. */
export async function resume() {
  if (!sessionStorage.getItem(REFRESH_KEY)) return null;
  try {
    me = JSON.parse(sessionStorage.getItem(REFRESH_KEY + '.who') || 'null');
    await refresh();
    return me;
  } catch (e) {
    forget();
    return null;
  }
}

function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const rt = sessionStorage.getItem(REFRESH_KEY);
      if (!rt) throw new APIError(401, 'unauthorized', 'signed out');
      const res = await fetch('/v1/auth/refresh', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: rt }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        forget();
        throw new APIError(res.status, body.error && body.error.code, body.error && body.error.message);
      }
      keep(body);
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

function forget() {
  access = '';
  me = null;
  sessionStorage.removeItem(REFRESH_KEY);
  sessionStorage.removeItem(REFRESH_KEY + '.who');
}

/** Ends the session here and on the server. */
export async function logout() {
  if (access) {
    await fetch('/v1/auth/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + access } }).catch(() => {});
  }
  forget();
}

/** Listeners called when the session ends (refresh refused). */
export const onSignedOut = [];

async function send(method, path, body, raw) {
  const attempt = () => {
    const headers = { Authorization: 'Bearer ' + access };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  };
  let res = await attempt();
  if (res.status === 401 && sessionStorage.getItem(REFRESH_KEY)) {
    try {
      await refresh();
    } catch (e) {
      onSignedOut.forEach((f) => f());
      throw e;
    }
    res = await attempt();
  }
  if (res.status === 401) {
    forget();
    onSignedOut.forEach((f) => f());
  }
  if (raw) {
    if (!res.ok) throw new APIError(res.status, 'http_' + res.status, res.statusText);
    return res;
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new APIError(res.status, data.error && data.error.code, data.error && data.error.message);
  return data;
}

/** GET a JSON route; query is an object of non-empty parameters. */
export function get(path, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== '' && v !== undefined && v !== null && v !== false) q.set(k, v);
  const s = q.toString();
  return send('GET', s ? path + '?' + s : path);
}

/** POST a JSON body. */
export const post = (path, body) => send('POST', path, body === undefined ? {} : body);
/** DELETE a resource. */
export const del = (path) => send('DELETE', path);
/** PATCH a JSON body. */
export const patch = (path, body) => send('PATCH', path, body);
/** GET a route's raw response (a photo, a CSV file) with the token in the header, never in the URL. */
export const fetchRaw = (path) => send('GET', path, undefined, true);

// People: ids shown as display names. Dispatchers read GET /v1/couriers,
// admins also GET /v1/admin/users; an id not found stays as it is.
const names = new Map();
let namesAt = 0;

/** Loads (at most every 30 s) the names of couriers and, for admins, of all users. */
export async function loadPeople(force) {
  if (!force && Date.now() - namesAt < 30000) return;
  namesAt = Date.now();
  const tasks = [get('/v1/couriers', { limit: 500 }).then((r) => r.couriers || []).catch(() => [])];
  if (me && me.role === 'admin') tasks.push(get('/v1/admin/users', { limit: 500 }).then((r) => r.users || []).catch(() => []));
  for (const list of await Promise.all(tasks)) {
    for (const u of list) {
      const had = names.get(u.user_id) || {};
      names.set(u.user_id, { name: u.display_name || u.username, active: u.active !== false, role: u.role || had.role || 'courier', devices: u.devices || had.devices || [] });
    }
  }
}

/** The display name of a user id (fallback: username, then the id). */
export function personName(id) {
  if (!id) return '';
  const p = names.get(id);
  if (p) return p.name;
  if (me && id === me.user_id) return me.username;
  return id;
}

/** The couriers known, for pickers: [{id, name, active}]. */
export function couriers() {
  const out = [];
  for (const [id, p] of names) if (p.role === 'courier') out.push({ id, name: p.name, active: p.active, devices: p.devices });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

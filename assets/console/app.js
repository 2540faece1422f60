// The console's shell: sign-in, the role's navigation, the hash router and
// the live refresh of the screen shown.
import { t, lang, setLang } from './i18n.js';
import { currentUser, login, logout, resume, loadPeople, onSignedOut } from './api.js';
import { h, field, notice, errText } from './ui.js';
import { today } from './screens/today.js';
import { parcel } from './screens/parcel.js';
import { complaints } from './screens/complaints.js';
import { callbacks } from './screens/callbacks.js';
import { cod } from './screens/cod.js';
import { vehicles } from './screens/vehicles.js';
import { damage } from './screens/damage.js';
import { claims } from './screens/claims.js';
import { inspections } from './screens/inspections.js';
import { quality } from './screens/quality.js';
import { admin } from './screens/admin.js';

const RANK = { courier: 0, dispatcher: 1, supervisor: 2, admin: 3 };

// Every screen: its route, the least role that may open it, and its module.
const SCREENS = [
  { route: 'today', min: 'dispatcher', mod: today },
  { route: 'parcel', min: 'dispatcher', mod: parcel },
  { route: 'complaints', min: 'dispatcher', mod: complaints },
  { route: 'callbacks', min: 'dispatcher', mod: callbacks },
  { route: 'cod', min: 'dispatcher', mod: cod },
  { route: 'damage', min: 'dispatcher', mod: damage },
  { route: 'claims', min: 'dispatcher', mod: claims },
  { route: 'vehicles', min: 'supervisor', mod: vehicles },
  { route: 'inspections', min: 'supervisor', mod: inspections },
  { route: 'quality', min: 'supervisor', mod: quality },
  { route: 'admin', min: 'admin', mod: admin, only: 'admin' },
];

/** Whether the signed-in user holds role or a higher one. */
export function atLeast(role) {
  const me = currentUser();
  return !!me && RANK[me.role] >= RANK[role];
}

const POLL_MS = 4000;
let current = null; // {screen, refresh}
let timer = null;

function allowed(s) {
  const me = currentUser();
  if (!me) return false;
  if (s.only) return me.role === s.only;
  return RANK[me.role] >= RANK[s.min];
}

function header() {
  const me = currentUser();
  const langBtn = h('button.lang', { type: 'button', lang: lang() === 'zh' ? 'en' : 'zh', onclick: () => { setLang(lang() === 'zh' ? 'en' : 'zh'); show(); } },
    lang() === 'zh' ? 'English' : '中文');
  const nav = me ? h('nav', { 'aria-label': t('nav.label') }, h('ul', SCREENS.filter(allowed).map((s) =>
    h('li', h('a', { href: '#/' + s.route, id: 'nav-' + s.route, 'aria-current': current && current.route === s.route ? 'page' : null }, t('nav.' + s.route)))))) : null;
  return h('header.top',
    h('div.brand', h('strong', t('app.title'))),
    nav,
    h('div.who', me ? [h('span#whoami', me.username + ' · ' + t('role.' + me.role)), ' ',
      h('button#logout', { type: 'button', onclick: async () => { await logout(); show(); } }, t('logout'))] : null, ' ', langBtn));
}

function loginScreen(main) {
  const user = h('input#username', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input#password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = notice();
  const form = h('form#login.card', {
    onsubmit: async (e) => {
      e.preventDefault();
      msg.show(t('signing.in'));
      try {
        await login(user.value.trim(), pass.value);
        pass.value = '';
        if (!location.hash || location.hash === '#/') location.hash = '#/today';
        show();
      } catch (err) {
        msg.show(err.status === 401 ? t('login.failed') : errText(err), 'bad');
      }
    },
  }, h('h1', t('login.title')), field(t('login.username'), user), field(t('login.password'), pass),
  h('button', { type: 'submit' }, t('login.submit')), msg);
  main.append(form);
  user.focus();
}

/** Renders the page for the current hash. */
export async function show() {
  clearInterval(timer);
  timer = null;
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.title');
  const main = h('main#view', { tabindex: '-1' });
  const me = currentUser();
  const [route, ...args] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  let screen = null;
  if (me) {
    const usable = SCREENS.filter(allowed);
    screen = usable.find((s) => s.route === route) || usable[0] || null;
  }
  current = screen;
  document.body.replaceChildren(h('a.skip', { href: '#view', onclick: (e) => { e.preventDefault(); main.focus(); } }, t('skip')), header(), main);
  if (!me) return loginScreen(main);
  if (!screen) {
    main.append(h('section.card#no-screens', h('h1', t('courier.title')), h('p', t('courier.body'))));
    return;
  }
  await loadPeople();
  if (current !== screen) return;
  const refresh = await screen.mod(main, args, { atLeast });
  if (typeof refresh === 'function' && current === screen) {
    timer = setInterval(async () => {
      if (document.visibilityState !== 'visible' || current !== screen) return;
      await loadPeople();
      refresh();
    }, POLL_MS);
  }
}

onSignedOut.push(() => show());
window.addEventListener('hashchange', show);
resume().finally(show);

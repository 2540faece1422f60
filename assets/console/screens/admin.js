// Admin: users (create, change role, disable, reset password), a user's
// devices, and the rules in force.
import { t } from '../i18n.js';
import { get, post, patch, del, loadPeople, couriers, currentUser } from '../api.js';
import { h, when, badge, notice, errText, field, select, table } from '../ui.js';
import { formDialog } from '../dialogs.js';
import { TARGETS } from './quality.js';

const ROLES = ['courier', 'dispatcher', 'supervisor', 'admin'];
const roleSelect = (id, v) => { const s = select(ROLES.map((r) => [r, t('role.' + r)]), { id }); s.value = v || 'courier'; return s; };

function createUser(changed) {
  const user = h('input#nu-username', { maxlength: 64, required: true, autocomplete: 'off' });
  const name = h('input#nu-display', { maxlength: 128 });
  const role = roleSelect('nu-role');
  const pass = h('input#nu-password', { type: 'password', minlength: 8, required: true, autocomplete: 'new-password' });
  return formDialog('new-user', t('admin.new_user'), () => [field(t('login.username'), user), field(t('admin.display_name'), name), field(t('admin.role'), role), field(t('login.password'), pass)],
    () => post('/v1/admin/users', { username: user.value.trim(), display_name: name.value.trim() || undefined, role: role.value, password: pass.value }), changed, t('create'));
}

function editUser(u, changed) {
  const name = h('input#eu-display', { maxlength: 128, value: u.display_name || '' });
  const role = roleSelect('eu-role', u.role);
  return formDialog('edit-user', t('admin.edit') + ': ' + u.username, () => [field(t('admin.display_name'), name), field(t('admin.role'), role)],
    () => patch('/v1/admin/users/' + encodeURIComponent(u.user_id), { display_name: name.value.trim(), role: role.value }), changed);
}

function resetPassword(u, changed) {
  const pass = h('input#rp-password', { type: 'password', minlength: 8, required: true, autocomplete: 'new-password' });
  return formDialog('reset-password', t('admin.reset_password') + ': ' + u.username, () => [field(t('admin.new_password'), pass)],
    () => post('/v1/admin/users/' + encodeURIComponent(u.user_id) + '/password', { password: pass.value }), changed, t('admin.reset_password'));
}

function setActive(u, active, changed) {
  return formDialog('set-active', (active ? t('admin.enable') : t('admin.disable')) + ': ' + u.username, () => [h('p', active ? t('admin.enable_help') : t('admin.disable_help'))],
    () => patch('/v1/admin/users/' + encodeURIComponent(u.user_id), { active }), changed, active ? t('admin.enable') : t('admin.disable'));
}

function sessions(u) {
  const msg = notice();
  const body = h('div#sessions-list');
  const dlg = h('dialog#sessions', { 'aria-labelledby': 'sessions-title' }, h('h2#sessions-title', t('admin.sessions') + ': ' + u.username), msg, body,
    h('div.actions', h('button', { type: 'button', onclick: () => dlg.close() }, t('close'))));
  const load = async () => {
    try {
      const r = await get('/v1/admin/users/' + encodeURIComponent(u.user_id) + '/sessions', { limit: 100 });
      body.replaceChildren(table([
        { label: t('admin.device'), cell: (s) => s.device_id },
        { label: t('admin.signed_in'), cell: (s) => when(s.created_at) },
        { label: t('admin.last_seen'), cell: (s) => when(s.last_seen_at) },
        { label: t('status'), cell: (s) => (s.active ? badge(t('active'), 'ok') : badge(t('admin.ended'), 'info')) },
        { label: t('actions'), cell: (s) => (s.active ? h('button', { type: 'button', class: 'act-revoke', onclick: async () => {
          try {
            await del('/v1/admin/users/' + encodeURIComponent(u.user_id) + '/sessions/' + encodeURIComponent(s.session_id));
            load();
          } catch (e) {
            msg.show(errText(e), 'bad');
          }
        } }, t('admin.revoke')) : '') },
      ], r.sessions));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  load();
}

function settings() {
  const rows = [
    [t('set.targets.satisfaction'), '≥ ' + TARGETS.satisfaction_share_percent.value + ' %'],
    [t('set.targets.complaint_rate'), '< ' + TARGETS.complaint_rate_percent.value + ' %'],
  ];
  return h('section.card#settings', h('h2', t('admin.settings')),
    h('p.hint', t('admin.settings_help')),
    table([{ label: t('admin.setting'), cell: (r) => r[0] }, { label: t('q.value'), cell: (r) => r[1] }], rows),
    h('div#settings-server'));
}

/** Renders the admin screen; returns its refresh. */
export async function admin(main) {
  const msg = notice();
  const list = h('div#user-list');
  const set = settings();
  const refresh = async () => {
    try {
      const [r] = await Promise.all([get('/v1/admin/users', { limit: 500 }), loadPeople(true)]);
      msg.show('');
      const devices = new Map(couriers().map((c) => [c.id, c.devices || []]));
      list.replaceChildren(table([
        { label: t('login.username'), cell: (u) => u.username },
        { label: t('admin.display_name'), cell: (u) => u.display_name || '' },
        { label: t('admin.role'), cell: (u) => t('role.' + u.role) },
        { label: t('status'), cell: (u) => (u.active === false ? badge(t('inactive'), 'bad') : badge(t('active'), 'ok')) },
        { label: t('admin.devices'), cell: (u) => h('ul.plain', (devices.get(u.user_id) || []).map((d) => h('li', d.device_id, d.last_seen_at ? ' · ' + when(d.last_seen_at) : ''))) },
        { label: t('actions'), cell: (u) => h('div.actions',
          h('button', { type: 'button', class: 'act-edit', onclick: () => editUser(u, refresh) }, t('admin.edit')),
          h('button', { type: 'button', class: 'act-sessions', onclick: () => sessions(u) }, t('admin.sessions')),
          h('button', { type: 'button', class: 'act-password', onclick: () => resetPassword(u, () => msg.show(t('admin.password_reset_ok'), 'ok')) }, t('admin.reset_password')),
          u.user_id === currentUser().user_id ? null : u.active === false
            ? h('button', { type: 'button', class: 'act-enable', onclick: () => setActive(u, true, refresh) }, t('admin.enable'))
            : h('button', { type: 'button', class: 'act-disable', onclick: () => setActive(u, false, refresh) }, t('admin.disable'))) },
      ], r.users, { rowClass: (u) => 'user-' + u.username }));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  main.append(h('h1', t('nav.admin')), h('div.filters', h('button#new-user-open', { type: 'button', onclick: () => createUser(refresh) }, t('admin.new_user'))), msg, list, set);
  get('/v1/admin/settings').then((rules) => {
    set.querySelector('#settings-server').replaceChildren(table([
      { label: t('admin.setting'), cell: (r) => t('set.' + r[0], { fallback: r[0] }) },
      { label: t('q.value'), cell: (r) => String(r[1]) },
    ], Object.entries(rules)));
  }).catch((e) => msg.show(errText(e), 'bad'));
  await refresh();
  return refresh;
}

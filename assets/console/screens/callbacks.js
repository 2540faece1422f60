// Callbacks: create (the contact typed once, then only masked), list by
// status and courier, cancel, reassign, outcomes and review flags.
import { t } from '../i18n.js';
import { get, post, patch } from '../api.js';
import { h, when, person, badge, notice, errText, field, select, table, scrubPhone } from '../ui.js';
import { formDialog, courierPicker, dueInput } from '../dialogs.js';

function createForm(changed) {
  const courier = courierPicker('', { id: 'nc-courier', required: true });
  const waybill = h('input#nc-waybill', { maxlength: 32, pattern: '[A-Za-z0-9-]{6,32}', required: true });
  const reason = h('input#nc-reason', { maxlength: 200, required: true });
  const name = h('input#nc-name', { maxlength: 100, required: true, autocomplete: 'off' });
  const phone = h('input#nc-phone', { type: 'tel', maxlength: 32, required: true, autocomplete: 'off' });
  const due = dueInput(4, { id: 'nc-due' });
  return formDialog('new-callback', t('callback.new'), () => [
    field(t('courier'), courier), field(t('waybill'), waybill), field(t('reason'), reason),
    field(t('customer.name'), name), field(t('customer.phone'), phone), field(t('due_by'), due),
    h('p.hint', t('callback.contact_once')),
  ], async () => {
    const body = { courier_id: courier.value, waybill: waybill.value.trim(), reason: reason.value, due_by: due.rfc3339(), customer: { name: name.value, phone: phone.value } };
    try {
      return await post('/v1/callbacks', body);
    } finally {
      body.customer = null;
    }
  }, (task) => {
    name.value = '';
    phone.value = '';
    changed(task);
  }, t('create'));
}

function reassign(task, changed) {
  const courier = courierPicker(task.courier_id, { id: 'ra-courier', required: true });
  return formDialog('reassign', t('callback.reassign'), () => [field(t('courier'), courier)],
    () => patch('/v1/callbacks/' + task.task_id, { version: task.version, courier_id: courier.value }), changed, t('callback.reassign'));
}

async function act(task, body, msg, changed) {
  try {
    await patch('/v1/callbacks/' + task.task_id, Object.assign({ version: task.version }, body));
    changed();
  } catch (e) {
    msg.show(errText(e), 'bad');
  }
}

function outcomes(task) {
  if (!task.outcomes || !task.outcomes.length) return h('span.muted', t('callback.no_outcome'));
  return h('ul.plain.outcomes', task.outcomes.map((o) => h('li', { class: 'outcome' },
    badge(t('result.' + o.result), o.resolved ? 'ok' : 'warn'), ' ', o.resolved ? t('resolved') : t('unresolved'),
    o.satisfaction ? ' · ' + t('satisfaction') + ' ' + o.satisfaction + '/5' : '', ' · ', when(o.recorded_at),
    o.note ? ' · ' + scrubPhone(o.note) : '', (o.flags || []).map((f) => [' ', badge(t('flag.' + f, { fallback: f }), 'warn')]))));
}

/** Renders the callbacks screen; returns its refresh. */
export async function callbacks(main, args) {
  const status = select([['', t('all')], ['open', t('status.open')], ['done', t('status.done')], ['cancelled', t('status.cancelled')], ['overdue', t('overdue')], ['review', t('review_needed')]], { id: 'cbf-status' });
  status.value = args[0] === 'all' ? '' : args[0] || 'open';
  const courier = courierPicker('', { id: 'cbf-courier' });
  courier.options[0].textContent = t('all.couriers');
  const msg = notice();
  const list = h('div#callback-list');
  const refresh = async () => {
    const q = { limit: 200, courier_id: courier.value };
    if (status.value === 'overdue') Object.assign(q, { overdue: true, status: 'open' });
    else if (status.value === 'review') q.review = true;
    else q.status = status.value;
    try {
      const r = await get('/v1/callbacks', q);
      msg.show('');
      const rows = r.callbacks.slice().sort((a, b) => a.due_by.localeCompare(b.due_by));
      list.replaceChildren(table([
        { label: t('waybill'), cell: (c) => h('a', { href: '#/parcel/' + encodeURIComponent(c.waybill) }, c.waybill) },
        { label: t('courier'), cell: (c) => person(c.courier_id) },
        { label: t('customer'), cell: (c) => h('span.masked', c.contact.name_masked + ' · ' + c.contact.phone_masked) },
        { label: t('reason'), cell: (c) => scrubPhone(c.reason) },
        { label: t('status'), cell: (c) => [badge(t('status.' + c.status), 'status'), c.overdue ? [' ', badge(t('overdue'), 'bad')] : null, (c.flags || []).map((f) => [' ', badge(t('flag.' + f, { fallback: f }), 'warn')])] },
        { label: t('due_by'), cell: (c) => when(c.due_by) },
        { label: t('callback.outcomes'), cell: outcomes },
        { label: t('actions'), cell: (c) => h('div.actions',
          c.status === 'open' ? h('button', { type: 'button', class: 'act-cancel', onclick: () => act(c, { status: 'cancelled' }, msg, refresh) }, t('cancel.task')) : null,
          c.status === 'open' ? h('button', { type: 'button', class: 'act-reassign', onclick: () => reassign(c, refresh) }, t('callback.reassign')) : null,
          (c.flags || []).includes('review_needed') ? h('button', { type: 'button', class: 'act-reviewed', onclick: () => act(c, { reviewed: true }, msg, refresh) }, t('callback.mark_reviewed')) : null) },
      ], rows, { rowClass: (c) => 'task-' + c.status }));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  status.addEventListener('change', refresh);
  courier.addEventListener('change', refresh);
  main.append(h('h1', t('nav.callbacks')),
    h('div.filters', field(t('status'), status), field(t('courier'), courier), h('button#new-callback-open', { type: 'button', onclick: () => createForm(refresh) }, t('callback.new'))),
    msg, list);
  await refresh();
  return refresh;
}

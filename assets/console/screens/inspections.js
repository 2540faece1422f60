// Monthly inspections: open the month's inspection, mark its sampled
// items per courier pass or fail with a finding, and follow the
// corrective actions a failure opens until they are closed.
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { h, when, person, badge, notice, errText, field, select, table } from '../ui.js';
import { formDialog, courierPicker, dueInput } from '../dialogs.js';

const enc = encodeURIComponent;

function thisMonth() {
  const d = new Date();
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0');
}

function fail(insp, item, changed) {
  const finding = h('textarea#if-finding', { rows: 3, maxlength: 2000, required: true });
  const owner = courierPicker(item.courier_id, { id: 'if-owner', required: true });
  const due = dueInput(7 * 24, { id: 'if-due' });
  return formDialog('fail-item', t('insp.fail') + ': ' + t('event.' + item.kind, { fallback: item.kind }), () => [
    field(t('insp.finding'), finding), field(t('insp.owner'), owner), field(t('due_by'), due),
  ], () => post('/v1/inspections/' + enc(insp.inspection_id) + '/items/' + enc(item.item_id),
    { result: 'fail', finding: finding.value, owner: owner.value, due_by: due.rfc3339() }), changed, t('insp.fail'));
}

async function pass(insp, item, msg, changed) {
  try {
    await post('/v1/inspections/' + enc(insp.inspection_id) + '/items/' + enc(item.item_id), { result: 'pass', finding: '' });
    changed();
  } catch (e) {
    msg.show(errText(e), 'bad');
  }
}

function closeAction(a, changed) {
  const note = h('textarea#ca-note', { rows: 3, maxlength: 2000, required: true });
  return formDialog('close-action', t('insp.close_action'), () => [h('p', a.finding), field(t('note'), note)],
    () => post('/v1/inspections/corrective-actions/' + enc(a.action_id) + '/close', { note: note.value }), changed, t('insp.close_action'));
}

function result(i) {
  if (i.result === 'pass') return badge(t('insp.pass'), 'ok');
  if (i.result === 'fail') return badge(t('insp.fail'), 'bad');
  return badge(t('insp.pending'), 'status');
}

/** The items of one courier as a table with the pass/fail actions. */
function courierItems(insp, courierID, msg, changed) {
  const items = insp.items.filter((i) => i.courier_id === courierID);
  return h('section.card.insp-courier', { 'data-courier': courierID }, h('h3', person(courierID)), table([
    { label: t('insp.record'), cell: (i) => t('event.' + i.kind, { fallback: i.kind }) },
    { label: t('insp.ref'), cell: (i) => h('code', i.ref) },
    { label: t('q.result'), cell: result },
    { label: t('insp.finding'), cell: (i) => i.finding || '' },
    { label: t('actions'), cell: (i) => (i.result === 'pending' ? h('div.actions',
      h('button', { type: 'button', class: 'act-pass', onclick: () => pass(insp, i, msg, changed) }, t('insp.pass')),
      h('button', { type: 'button', class: 'act-fail', onclick: () => fail(insp, i, changed) }, t('insp.fail'))) : (i.marked_by ? [person(i.marked_by), ' · ', when(i.marked_at)] : '')) },
  ], items, { rowClass: (i) => 'item-' + i.result }));
}

/** Renders the inspections screen (args[0]: YYYY-MM); returns its refresh. */
export async function inspections(main, args) {
  const month = /^\d{4}-\d{2}$/.test(args[0] || '') ? args[0] : thisMonth();
  const input = h('input#insp-month', { type: 'month', value: month, required: true });
  const msg = notice();
  const head = h('div#insp-head');
  const body = h('div#insp-items');
  const status = select([['open', t('status.open')], ['overdue', t('overdue')], ['closed', t('status.closed')], ['', t('all')]], { id: 'ca-status' });
  const actions = h('div#corrective-actions');
  const open = async () => {
    try {
      await post('/v1/inspections', { month });
    } catch (e) {
      if (e.status !== 409) return msg.show(errText(e), 'bad');
    }
    refresh();
  };
  const refresh = async () => {
    try {
      const q = { limit: 500 };
      if (status.value === 'overdue') Object.assign(q, { status: 'open', overdue: true });
      else q.status = status.value;
      const [insp, ca] = await Promise.all([
        get('/v1/inspections/' + enc('in-' + month)).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
        get('/v1/inspections/corrective-actions', q)]);
      msg.show('');
      if (!insp) {
        head.replaceChildren(h('p', t('insp.not_opened', { month })), h('button#insp-open', { type: 'button', onclick: open }, t('insp.open')));
        body.replaceChildren();
      } else {
        const done = insp.items.filter((i) => i.result !== 'pending').length;
        head.replaceChildren(h('dl.facts',
          h('dt', t('status')), h('dd', badge(t('inspstatus.' + insp.status, { fallback: insp.status }), insp.status === 'completed' ? 'ok' : 'status')),
          h('dt', t('insp.checked')), h('dd#insp-progress', done + ' / ' + insp.items.length),
          h('dt', t('insp.opened')), h('dd', person(insp.opened_by), ' · ', when(insp.opened_at))));
        const couriers = insp.couriers && insp.couriers.length ? insp.couriers : [...new Set(insp.items.map((i) => i.courier_id))];
        body.replaceChildren(...(couriers.length ? couriers.map((c) => courierItems(insp, c, msg, refresh)) : [h('p.empty', t('none'))]));
      }
      actions.replaceChildren(table([
        { label: t('courier'), cell: (a) => person(a.courier_id) },
        { label: t('insp.finding'), cell: (a) => a.finding },
        { label: t('insp.owner'), cell: (a) => person(a.owner) },
        { label: t('due_by'), cell: (a) => when(a.due_by) },
        { label: t('status'), cell: (a) => [badge(t('status.' + a.status, { fallback: a.status }), a.status === 'closed' ? 'ok' : 'status'), a.overdue ? [' ', badge(t('overdue'), 'bad')] : null, a.note ? h('div.muted', a.note) : null] },
        { label: t('actions'), cell: (a) => (a.status === 'open' ? h('button', { type: 'button', class: 'act-close', onclick: () => closeAction(a, refresh) }, t('insp.close_action')) : (a.closed_by ? [person(a.closed_by), ' · ', when(a.closed_at)] : '')) },
      ], ca.corrective_actions, { rowClass: (a) => 'action-' + a.status + (a.overdue ? ' overdue' : '') }));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  status.addEventListener('change', refresh);
  const form = h('form.inline#insp-form', { onsubmit: (e) => { e.preventDefault(); location.hash = '#/inspections/' + input.value; } },
    field(t('q.month'), input), h('button', { type: 'submit' }, t('q.show')));
  main.append(h('h1', t('nav.inspections')), form, msg, head, body,
    h('h2', t('insp.actions')), h('div.filters', field(t('show'), status)), actions);
  await refresh();
  return refresh;
}

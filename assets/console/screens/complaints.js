// Complaints: the board sorted by deadline, transitions, and callbacks
// made from a complaint.
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { h, when, person, badge, notice, errText, field, select, scrubPhone } from '../ui.js';
import { formDialog, callbackFromComplaint } from '../dialogs.js';

const NEXT = { received: 'verified', verified: 'handled', handled: 'closed' };

function transition(c, to, done, reopen) {
  const note = h('textarea#tr-note', { rows: 3, maxlength: 1000, required: !!reopen });
  const exempt = h('input#tr-exempt', { type: 'checkbox' });
  return formDialog('transition', t('complaint.to', { status: t('status.' + to) }), () => [
    field(t('note'), note),
    reopen ? null : h('div.field.check', exempt, h('label', { for: 'tr-exempt' }, t('complaint.exempt'))),
  ], () => {
    const body = { to, note: note.value };
    if (exempt.checked && !reopen) body.exempt_courier = true;
    return post('/v1/complaints/' + encodeURIComponent(c.complaint_id) + '/transition', body);
  }, done, t('complaint.to', { status: t('status.' + to) }));
}

/** The deadline badges of a complaint (or claim). */
export function deadline(c) {
  if (c.breached) return badge(t('breached'), 'bad');
  if (c.at_risk) return badge(t('at_risk'), 'warn');
  return null;
}

/** One complaint as a card with the actions the role may take. */
export function complaintCard(c, ctx, changed) {
  const next = NEXT[c.status];
  const actions = h('div.actions',
    next ? h('button', { type: 'button', class: 'act-transition', onclick: () => transition(c, next, changed) }, t('complaint.to', { status: t('status.' + next) })) : null,
    c.status === 'closed' && ctx.atLeast('supervisor') ? h('button', { type: 'button', class: 'act-reopen', onclick: () => transition(c, 'received', changed, true) }, t('complaint.reopen')) : null,
    c.status !== 'closed' ? h('button', { type: 'button', class: 'act-callback', onclick: () => callbackFromComplaint(c, changed) }, t('complaint.callback')) : null);
  return h('article.card.complaint', { 'data-id': c.complaint_id, class: 'card complaint' + (c.breached ? ' breached' : c.at_risk ? ' at-risk' : '') },
    h('header', h('h3', t('category.' + c.category), ' ', badge(t('status.' + c.status), 'status'), ' ', deadline(c), c.exempted ? badge(t('exempted'), 'info') : null)),
    h('dl.facts',
      h('dt', t('waybill')), h('dd', c.waybill ? h('a', { href: '#/parcel/' + encodeURIComponent(c.waybill) }, c.waybill) : '—'),
      h('dt', t('customer')), h('dd.masked', c.customer.name_masked + ' · ' + c.customer.phone_masked),
      h('dt', t('courier')), h('dd', c.courier_id ? person(c.courier_id) : '—'),
      h('dt', t('received_at')), h('dd', when(c.received_at)),
      h('dt', t('due_by')), h('dd', when(c.due_by)),
      h('dt', t('channel')), h('dd', t('channel.' + c.channel)),
      c.callback_ids && c.callback_ids.length ? [h('dt', t('nav.callbacks')), h('dd', String(c.callback_ids.length))] : null),
    c.description ? h('p.desc', scrubPhone(c.description)) : null,
    c.history && c.history.length ? h('ol.history', c.history.map((s) => h('li', t('status.' + s.to), ' · ', person(s.by), ' · ', when(s.at), s.note ? ' · ' + scrubPhone(s.note) : ''))) : null,
    actions);
}

/** Renders the complaints board; returns its refresh. */
export async function complaints(main, args, ctx) {
  const filter = select([['', t('all')], ['at_risk', t('at_risk')], ['overdue', t('breached')], ['received', t('status.received')], ['verified', t('status.verified')], ['handled', t('status.handled')], ['closed', t('status.closed')]], { id: 'cf-filter' });
  filter.value = args[0] || '';
  const wb = h('input#cf-waybill', { placeholder: t('waybill'), maxlength: 32 });
  const msg = notice();
  const board = h('div#complaint-board.board');
  const refresh = async () => {
    const q = { limit: 200 };
    const f = filter.value;
    if (f === 'at_risk') q.at_risk = true;
    else if (f === 'overdue') q.overdue = true;
    else if (f) q.status = f;
    if (wb.value.trim()) q.waybill = wb.value.trim();
    try {
      const r = await get('/v1/complaints', q);
      msg.show('');
      const list = r.complaints.slice().sort((a, b) => a.due_by.localeCompare(b.due_by));
      board.replaceChildren(...(list.length ? list.map((c) => complaintCard(c, ctx, refresh)) : [h('p.empty', t('none'))]));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  filter.addEventListener('change', refresh);
  wb.addEventListener('change', refresh);
  main.append(h('h1', t('nav.complaints')), h('div.filters', field(t('show'), filter), field(t('waybill'), wb)), msg, board);
  await refresh();
  return refresh;
}

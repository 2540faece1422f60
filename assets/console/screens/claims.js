// Claims: the list by status with deadlines, the rule's recommendation,
// filing a claim, acknowledging it, the supervisor's decision (accept or
// override with a written reason) and the payout.
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { h, when, person, badge, notice, errText, field, select, table, yuan, parseYuan } from '../ui.js';
import { formDialog } from '../dialogs.js';
import { deadline } from './complaints.js';

const TYPES = ['delay', 'loss', 'damage', 'shortage'];
const EXEMPTIONS = ['force_majeure', 'prohibited_goods', 'goods_nature', 'wrong_recipient_details', 'late_at_customer_request', 'other_customer_cause'];

const enc = encodeURIComponent;
// A mistake in the form, shown as its message (no API code of that name).
const bad = (m) => Object.assign(new Error(m), { code: 'input' });

/** A yuan input whose fen() is the amount in fen, or throws a message. */
function yuanInput(id, value) {
  const el = h('input', { id, inputmode: 'decimal', maxlength: 16, required: true, value: value === undefined ? '' : (value / 100).toFixed(2) });
  el.fen = () => {
    const v = parseYuan(el.value);
    if (v === null) throw bad(t('claim.bad_amount'));
    return v;
  };
  return el;
}

function exemptionPicker(id) {
  return select([['', t('claim.no_exemption')], ...EXEMPTIONS.map((e) => [e, t('exemption.' + e)])], { id });
}

function nowLocal() {
  const d = new Date();
  d.setSeconds(0, 0);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fileClaim(changed) {
  const waybill = h('input#cl-waybill', { maxlength: 32, pattern: '[A-Za-z0-9-]{6,32}', required: true });
  const type = select(TYPES.map((x) => [x, t('claimtype.' + x)]), { id: 'cl-type' });
  const amount = yuanInput('cl-amount');
  const filed = h('input#cl-filed', { type: 'datetime-local', value: nowLocal(), required: true });
  const complaint = h('input#cl-complaint', { maxlength: 64 });
  const exemption = exemptionPicker('cl-exemption');
  return formDialog('file-claim', t('claim.new'), () => [
    field(t('waybill'), waybill), field(t('claim.type'), type), field(t('claim.claimed_yuan'), amount),
    field(t('claim.filed_at'), filed), field(t('claim.complaint_id'), complaint), field(t('claim.exemption'), exemption),
  ], () => {
    const body = { waybill: waybill.value.trim(), type: type.value, claimed_cents: amount.fen(), filed_at: new Date(filed.value).toISOString() };
    if (complaint.value.trim()) body.complaint_id = complaint.value.trim();
    if (exemption.value) body.exemption = exemption.value;
    return post('/v1/claims', body);
  }, changed, t('claim.file'));
}

function decide(c, changed) {
  const rec = c.recommendation || { amount_cents: 0, rule: '' };
  const accept = h('input#cd-accept', { type: 'radio', name: 'cd-mode', value: 'accept', checked: true });
  const override = h('input#cd-override', { type: 'radio', name: 'cd-mode', value: 'override' });
  const amount = yuanInput('cd-amount', rec.amount_cents);
  const reason = h('textarea#cd-reason', { rows: 3, maxlength: 1000 });
  const sync = () => {
    amount.disabled = accept.checked;
    reason.disabled = accept.checked;
    reason.required = override.checked;
  };
  accept.addEventListener('change', sync);
  override.addEventListener('change', sync);
  sync();
  return formDialog('decide-claim', t('claim.decide') + ': ' + c.waybill, () => [
    h('p', t('claim.recommendation'), ': ', h('strong', yuan(rec.amount_cents)), ' · ', t('rule.' + rec.rule, { fallback: rec.rule }), rec.exemption ? ' · ' + t('exemption.' + rec.exemption, { fallback: rec.exemption }) : ''),
    h('div.field.check', accept, h('label', { for: 'cd-accept' }, t('claim.accept'))),
    h('div.field.check', override, h('label', { for: 'cd-override' }, t('claim.override'))),
    field(t('claim.amount_yuan'), amount), field(t('claim.reason_required'), reason),
  ], () => {
    if (accept.checked) return post('/v1/claims/' + enc(c.claim_id) + '/decide', { accept_recommendation: true });
    if (!reason.value.trim()) throw bad(t('claim.reason_missing'));
    return post('/v1/claims/' + enc(c.claim_id) + '/decide', { amount_cents: amount.fen(), reason: reason.value });
  }, changed, t('claim.decide'));
}

function payout(c, changed) {
  const amount = yuanInput('cp-amount', c.decision.amount_cents);
  const ref = h('input#cp-reference', { maxlength: 100, required: true });
  return formDialog('payout-claim', t('claim.payout') + ': ' + c.waybill, () => [field(t('claim.amount_yuan'), amount), field(t('cod.reference'), ref)],
    () => post('/v1/claims/' + enc(c.claim_id) + '/payout', { amount_cents: amount.fen(), reference: ref.value.trim() }), changed, t('claim.payout'));
}

async function acknowledge(c, msg, changed) {
  try {
    await post('/v1/claims/' + enc(c.claim_id) + '/acknowledge');
    changed();
  } catch (e) {
    msg.show(errText(e), 'bad');
  }
}

function verdict(d) {
  if (!d) return '—';
  return [h('strong', yuan(d.amount_cents)), ' · ', t('rule.' + d.rule, { fallback: d.rule }),
    d.exemption ? [' · ', badge(t('exemption.' + d.exemption, { fallback: d.exemption }), 'info')] : null,
    d.capped ? [' · ', t('claim.capped')] : null, d.note ? [' · ', d.note] : null];
}

function decision(c) {
  const d = c.decision;
  if (!d) return '—';
  const head = d.overridden
    ? [h('strong', yuan(d.amount_cents)), ' ', badge(t('claim.overridden'), 'warn'), d.recommended_cents !== undefined ? [' · ', t('claim.recommended', { amount: yuan(d.recommended_cents) })] : null, d.reason ? h('div.reason', d.reason) : null]
    : verdict(d);
  return [head,
    d.by ? h('div.muted', person(d.by), ' · ', when(d.at)) : null,
    c.payout ? h('div.paid', badge(t('claimstatus.paid'), 'ok'), ' ', yuan(c.payout.amount_cents), ' · ', c.payout.reference) : null];
}

function pending(c) {
  if (c.status === 'filed') return [t('claim.ack_by'), ' ', when(c.ack_due_by)];
  if (c.status === 'acknowledged') return [t('claim.decide_by'), ' ', when(c.decide_due_by)];
  return '';
}

/** Renders the claims screen; returns its refresh. */
export async function claims(main, args, ctx) {
  const filter = select([['', t('all')], ['overdue', t('breached')], ...['filed', 'acknowledged', 'decided', 'paid'].map((s) => [s, t('claimstatus.' + s)])], { id: 'clf-status' });
  filter.value = args[0] || '';
  const msg = notice();
  const list = h('div#claim-list');
  const sup = ctx.atLeast('supervisor');
  const refresh = async () => {
    const q = { limit: 200 };
    if (filter.value === 'overdue') q.overdue = true;
    else if (filter.value) q.status = filter.value;
    try {
      const r = await get('/v1/claims', q);
      msg.show('');
      list.replaceChildren(table([
        { label: t('waybill'), cell: (c) => h('a', { href: '#/parcel/' + enc(c.waybill) }, c.waybill) },
        { label: t('claim.type'), cell: (c) => t('claimtype.' + c.type, { fallback: c.type }) },
        { label: t('claim.claimed'), num: true, cell: (c) => yuan(c.claimed_cents) },
        { label: t('claim.filed_at'), cell: (c) => when(c.filed_at) },
        { label: t('status'), cell: (c) => [badge(t('claimstatus.' + c.status, { fallback: c.status }), 'status'), ' ', deadline(c), h('div.muted', pending(c))] },
        { label: t('claim.recommendation'), cell: (c) => verdict(c.recommendation) },
        { label: t('claim.decision'), cell: decision },
        { label: t('actions'), cell: (c) => h('div.actions',
          c.status === 'filed' ? h('button', { type: 'button', class: 'act-ack', onclick: () => acknowledge(c, msg, refresh) }, t('claim.acknowledge')) : null,
          c.status === 'acknowledged' && sup ? h('button', { type: 'button', class: 'act-decide', onclick: () => decide(c, refresh) }, t('claim.decide')) : null,
          c.status === 'decided' && sup && c.decision && c.decision.amount_cents > 0 ? h('button', { type: 'button', class: 'act-payout', onclick: () => payout(c, refresh) }, t('claim.payout')) : null) },
      ], r.claims.slice().reverse(), { rowClass: (c) => 'claim-' + c.status + (c.breached ? ' breached' : c.at_risk ? ' at-risk' : '') }),
      ...(r.has_more ? [h('p.hint', t('more_rows'))] : []));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  filter.addEventListener('change', refresh);
  main.append(h('h1', t('nav.claims')),
    h('div.filters', field(t('show'), filter), h('button#new-claim-open', { type: 'button', onclick: () => fileClaim(refresh) }, t('claim.new'))),
    msg, list);
  await refresh();
  return refresh;
}

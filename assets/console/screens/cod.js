// COD: the ledger with filters and totals, balances per courier, hand-over
// confirmation with the discrepancy shown first, hand-overs, settlements,
// past due and discrepancies. Money is fen on the wire, yuan on screen.
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { h, when, person, badge, notice, errText, field, select, table, yuan, parseYuan } from '../ui.js';
import { courierPicker } from '../dialogs.js';

const TABS = ['ledger', 'balances', 'handover', 'handovers', 'settle', 'discrepancies'];

function totals(tt) {
  return h('dl.totals#cod-totals',
    ['collected_cents', 'handed_over_cents', 'in_hand_cents', 'settled_cents', 'outstanding_cents'].map((k) => [h('dt', t('cod.' + k)), h('dd', yuan(tt[k]))]));
}

const entryCols = (pick) => [
  pick ? { label: t('select'), cell: pick } : null,
  { label: t('cod.receipt'), cell: (e) => e.receipt_no },
  { label: t('waybill'), cell: (e) => h('a', { href: '#/parcel/' + encodeURIComponent(e.waybill) }, e.waybill) },
  { label: t('courier'), cell: (e) => person(e.courier_id) },
  { label: t('amount'), num: true, cell: (e) => yuan(e.amount_cents) },
  { label: t('cod.method'), cell: (e) => t('method.' + e.method, { fallback: e.method }) },
  { label: t('cod.collected_at'), cell: (e) => when(e.collected_at) },
  { label: t('status'), cell: (e) => [badge(t('custody.' + e.status, { fallback: e.status }), 'status'), e.discrepancy ? [' ', badge(t('discrepancy'), 'warn')] : null] },
  { label: t('due_by'), cell: (e) => [when(e.due_by), e.days_overdue ? [' ', badge(t('cod.days_overdue', { n: e.days_overdue }), 'bad')] : null] },
].filter(Boolean);

function ledger(out, overdue) {
  const courier = courierPicker('', { id: 'lf-courier' });
  courier.options[0].textContent = t('all.couriers');
  const status = select([['', t('all')], ['collected', t('custody.collected')], ['handed_over', t('custody.handed_over')], ['settled', t('custody.settled')]], { id: 'lf-status' });
  const od = h('input#lf-overdue', { type: 'checkbox', checked: overdue });
  const msg = notice();
  const body = h('div');
  const refresh = async () => {
    try {
      const r = await get('/v1/cod/ledger', { courier_id: courier.value, status: status.value, overdue: od.checked, limit: 200 });
      msg.show('');
      body.replaceChildren(totals(r.totals), table(entryCols(), r.entries), r.has_more ? h('p.muted', t('more_rows')) : null);
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  [courier, status, od].forEach((el) => el.addEventListener('change', refresh));
  out.append(h('div.filters', field(t('courier'), courier), field(t('status'), status), h('div.field.check', od, h('label', { for: 'lf-overdue' }, t('cod.past_due')))), msg, body);
  return refresh;
}

function balances(out) {
  const body = h('div#cod-balances');
  const msg = notice();
  out.append(msg, body);
  return async () => {
    try {
      const r = await get('/v1/cod/balances', { limit: 500 });
      msg.show('');
      body.replaceChildren(table([
        { label: t('courier'), cell: (b) => person(b.courier_id) },
        { label: t('cod.in_hand_cents'), num: true, cell: (b) => yuan(b.in_hand_cents) },
        { label: t('cod.in_hand_count'), num: true, cell: (b) => String(b.in_hand_count) },
        { label: t('cod.collected_cents'), num: true, cell: (b) => yuan(b.collected_cents) },
        { label: t('cod.handed_over_cents'), num: true, cell: (b) => yuan(b.handed_over_cents) },
        { label: t('cod.settled_cents'), num: true, cell: (b) => yuan(b.settled_cents) },
        { label: t('cod.outstanding_cents'), num: true, cell: (b) => yuan(b.outstanding_cents) },
      ], r.balances));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
}

function handover(out) {
  const courier = courierPicker('', { id: 'ho-courier', required: true });
  const counted = h('input#ho-counted', { inputmode: 'decimal', autocomplete: 'off', placeholder: '0.00', required: true });
  const note = h('input#ho-note', { maxlength: 200 });
  const receipts = h('div#ho-receipts');
  const summary = h('p#ho-summary.summary', { 'aria-live': 'polite' });
  const msg = notice();
  const result = h('div#ho-result');
  let entries = [];
  const ticked = () => entries.filter((e) => e.box.checked);
  const update = () => {
    const expected = ticked().reduce((s, e) => s + e.amount_cents, 0);
    const c = parseYuan(counted.value);
    summary.replaceChildren(t('cod.ticked', { n: ticked().length }), ' · ', t('cod.expected'), ' ', h('strong#ho-expected', yuan(expected)));
    if (c !== null) {
      const d = c - expected;
      summary.append(' · ', t('cod.counted'), ' ', h('strong', yuan(c)), ' · ', t('discrepancy'), ' ',
        h('strong#ho-discrepancy', { class: d === 0 ? 'ok' : 'bad' }, (d > 0 ? '+' : '') + yuan(d)));
    }
  };
  const load = async () => {
    result.replaceChildren();
    if (!courier.value) {
      entries = [];
      receipts.replaceChildren();
      return update();
    }
    try {
      const r = await get('/v1/cod/ledger', { courier_id: courier.value, status: 'collected', limit: 500 });
      entries = r.entries;
      for (const e of entries) e.box = h('input', { type: 'checkbox', class: 'ho-tick', value: e.receipt_no, checked: true, 'aria-label': e.receipt_no, onchange: update });
      receipts.replaceChildren(table(entryCols((e) => e.box), entries, { empty: t('cod.nothing_in_hand') }));
      msg.show('');
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
    update();
  };
  courier.addEventListener('change', load);
  counted.addEventListener('input', update);
  const form = h('form#handover-form', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      const c = parseYuan(counted.value);
      if (c === null) return msg.show(t('cod.bad_amount'), 'bad');
      if (!ticked().length) return msg.show(t('cod.tick_some'), 'bad');
      try {
        const r = await post('/v1/cod/handovers', { courier_id: courier.value, receipt_nos: ticked().map((e) => e.receipt_no), counted_cents: c, note: note.value || undefined });
        result.replaceChildren(h('div.card.result', { role: 'status' }, h('h3', t('cod.handover_done')),
          h('dl.facts', h('dt', t('cod.handover_id')), h('dd', r.handover_id), h('dt', t('cod.expected')), h('dd#ho-total', yuan(r.total_cents)),
            h('dt', t('discrepancy')), h('dd#ho-result-discrepancy', { class: r.discrepancy_cents ? 'bad' : 'ok' }, (r.discrepancy_cents > 0 ? '+' : '') + yuan(r.discrepancy_cents)))));
        counted.value = '';
        const keep = result.firstChild;
        await load();
        result.replaceChildren(keep);
      } catch (e) {
        msg.show(errText(e), 'bad');
      }
    },
  }, h('div.filters', field(t('courier'), courier)), receipts, h('div.filters', field(t('cod.counted_yuan'), counted), field(t('note'), note)), summary,
  h('button.primary#ho-confirm', { type: 'submit' }, t('cod.confirm_handover')), msg);
  out.append(h('p.hint', t('cod.handover_help')), form, result);
  update();
  return null;
}

function handovers(out) {
  const body = h('div#cod-handovers');
  const msg = notice();
  out.append(msg, body);
  return async () => {
    try {
      const r = await get('/v1/cod/handovers', { limit: 200 });
      msg.show('');
      body.replaceChildren(table([
        { label: t('cod.handover_id'), cell: (x) => x.handover_id },
        { label: t('courier'), cell: (x) => person(x.courier_id) },
        { label: t('cod.receipts'), num: true, cell: (x) => String(x.receipt_nos.length) },
        { label: t('cod.expected'), num: true, cell: (x) => yuan(x.total_cents) },
        { label: t('cod.counted'), num: true, cell: (x) => yuan(x.counted_cents) },
        { label: t('discrepancy'), num: true, cell: (x) => h('span', { class: x.discrepancy_cents ? 'bad' : '' }, yuan(x.discrepancy_cents)) },
        { label: t('by'), cell: (x) => person(x.by) },
        { label: t('at'), cell: (x) => when(x.at) },
      ], r.handovers));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
}

function settle(out, ctx) {
  const body = h('div#cod-settle');
  const msg = notice();
  const ref = h('input#st-ref', { maxlength: 100, required: true });
  let entries = [];
  const refresh = async () => {
    try {
      const [waiting, settled] = await Promise.all([get('/v1/cod/ledger', { status: 'handed_over', limit: 500 }), get('/v1/cod/ledger', { status: 'settled', limit: 200 })]);
      msg.show('');
      entries = waiting.entries;
      for (const e of entries) e.box = h('input', { type: 'checkbox', value: e.receipt_no, 'aria-label': e.receipt_no });
      const can = ctx.atLeast('supervisor');
      body.replaceChildren(h('h2', t('cod.awaiting_settlement')), table(entryCols(can ? (e) => e.box : null), entries),
        can && entries.length ? h('form#settle-form', { onsubmit: submit }, field(t('cod.reference'), ref), h('button', { type: 'submit' }, t('cod.settle'))) : null,
        h('h2', t('cod.settled')), table(entryCols().concat([{ label: t('cod.settlement'), cell: (e) => e.settlement_id || '' }]), settled.entries));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  async function submit(ev) {
    ev.preventDefault();
    const nos = entries.filter((e) => e.box.checked).map((e) => e.receipt_no);
    if (!nos.length) return msg.show(t('cod.tick_some'), 'bad');
    try {
      const r = await post('/v1/cod/settlements', { receipt_nos: nos, reference: ref.value });
      msg.show(t('cod.settled_ok', { amount: yuan(r.total_cents) }), 'ok');
      ref.value = '';
      refresh();
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  }
  out.append(msg, body);
  return ctx.atLeast('supervisor') ? async () => { if (!entries.some((e) => e.box.checked)) await refresh(); } : refresh;
}

function discrepancies(out) {
  const body = h('div#cod-discrepancies');
  const msg = notice();
  out.append(msg, body);
  return async () => {
    try {
      const r = await get('/v1/cod/discrepancies', { limit: 200 });
      msg.show('');
      body.replaceChildren(table([
        { label: t('discrepancy'), cell: (d) => t('disc.' + d.code, { fallback: d.code }) },
        { label: t('courier'), cell: (d) => person(d.courier_id) },
        { label: t('cod.receipt'), cell: (d) => d.receipt_no || d.handover_id || '' },
        { label: t('waybill'), cell: (d) => d.waybill || '' },
        { label: t('amount'), num: true, cell: (d) => yuan(d.amount_cents) },
        { label: t('cod.expected'), num: true, cell: (d) => (d.expected_cents !== undefined ? yuan(d.expected_cents) : '') },
        { label: t('cod.difference'), num: true, cell: (d) => yuan(d.discrepancy_cents) },
        { label: t('at'), cell: (d) => when(d.at || d.recorded_at) },
      ], r.discrepancies));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
}

/** Renders the COD screen; args[0] picks the tab. Returns its refresh. */
export async function cod(main, args, ctx) {
  const tab = TABS.includes(args[0]) ? args[0] : args[0] === 'overdue' ? 'ledger' : 'ledger';
  const out = h('div#cod-' + tab + '-tab');
  main.append(h('h1', t('nav.cod')),
    h('nav.tabs', { 'aria-label': t('nav.cod') }, TABS.map((x) => h('a', { href: '#/cod/' + x, id: 'tab-' + x, 'aria-current': x === tab ? 'page' : null }, t('cod.tab.' + x)))),
    out);
  const build = { ledger: () => ledger(out, args[0] === 'overdue'), balances: () => balances(out), handover: () => handover(out), handovers: () => handovers(out), settle: () => settle(out, ctx), discrepancies: () => discrepancies(out) };
  const refresh = build[tab]();
  if (refresh) await refresh();
  return refresh;
}

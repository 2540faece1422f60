// Quality report: a month's figures against the company's targets, a
// chart per figure over the last 12 months (inline SVG), CSV download and
// the per-courier table.
import { t } from '../i18n.js';
import { get } from '../api.js';
import { h, svg, notice, errText, field, table, person, yuan, download, badge } from '../ui.js';

// The company's targets (DOMAIN.md): satisfaction ≥ 90 %, complaint rate < 1 %.
export const TARGETS = {
  satisfaction_share_percent: { op: '>=', value: 90 },
  complaint_rate_percent: { op: '<', value: 1 },
};

const FIGURES = [
  { key: 'satisfaction_share_percent', unit: '%' },
  { key: 'complaint_rate_percent', unit: '%' },
  { key: 'pickups' },
  { key: 'complaints' },
  { key: 'complaints_per_million' },
  { key: 'satisfaction_scores' },
  { key: 'complaints_past_due' },
  { key: 'cod_past_due_count' },
  { key: 'cod_past_due_cents', money: true },
  { key: 'vehicles_needing_attention' },
];

// Claims and inspection figures: shown in a table, no chart; null is n/a.
const MORE = [
  { key: 'claims_filed' },
  { key: 'claims_paid_cents', money: true },
  { key: 'claims_decided_on_time_percent', unit: '%' },
  { key: 'inspections_done' },
  { key: 'inspection_failures' },
  { key: 'corrective_actions_open' },
  { key: 'inspection_missing', yesno: true },
];

function fmtMore(f, v) {
  if (v === null || v === undefined) return t('q.na');
  if (f.yesno) return v ? badge(t('q.yes'), 'bad') : t('q.no');
  return fmt(f, v);
}

/** Whether value meets the target of key: true, false, or null when there is none. */
export function meets(key, value, report) {
  const tg = TARGETS[key];
  if (!tg) return null;
  if (key === 'satisfaction_share_percent' && report && !report.satisfaction_scores) return null;
  return tg.op === '>=' ? value >= tg.value : value < tg.value;
}

function fmt(f, v) {
  if (f.money) return yuan(v);
  if (f.unit) return (Math.round(v * 100) / 100).toLocaleString() + ' ' + f.unit;
  return Number(v).toLocaleString();
}

function monthsBack(month, n) {
  const [y, m] = month.split('-').map(Number);
  const out = [];
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    out.push(d.getUTCFullYear() + '-' + String(d.getUTCMonth() + 1).padStart(2, '0'));
  }
  return out;
}

/** An inline SVG bar chart of one figure over the months, with the target line. */
function chart(f, months, reports) {
  const W = 360, H = 160, L = 44, B = 22, T = 20;
  const vals = reports.map((r) => (r ? r[f.key] || 0 : 0));
  const tg = TARGETS[f.key];
  const max = f.unit === '%' && f.key === 'satisfaction_share_percent' ? 100 : Math.max(1e-9, ...vals, tg ? tg.value * 1.2 : 0);
  const bw = (W - L - 6) / months.length;
  const y = (v) => H - B - ((H - B - T) * v) / max;
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', class: 'chart', 'data-figure': f.key, 'aria-label': t('q.' + f.key) + ', ' + t('q.last12') });
  g.append(svg('line', { x1: L, y1: H - B, x2: W - 4, y2: H - B, class: 'axis' }));
  g.append(svg('text', { x: L - 4, y: T + 4, class: 'tick', 'text-anchor': 'end' }, f.money ? yuan(max).replace(/\.\d\d$/, '') : fmt({ unit: f.unit }, max)));
  g.append(svg('text', { x: L - 4, y: H - B, class: 'tick', 'text-anchor': 'end' }, '0'));
  reports.forEach((r, i) => {
    const v = vals[i];
    const ok = meets(f.key, v, r);
    const bar = svg('rect', { x: L + i * bw + 2, y: y(v), width: Math.max(1, bw - 4), height: Math.max(0, H - B - y(v)), class: 'bar' + (ok === false ? ' missed' : ok === true ? ' met' : '') });
    bar.append(svg('title', {}, months[i] + ': ' + (r ? fmt(f, v) : t('q.no_data'))));
    g.append(bar);
    if (i % 2 === 1 || months.length <= 6) g.append(svg('text', { x: L + i * bw + bw / 2, y: H - 6, class: 'tick', 'text-anchor': 'middle' }, months[i].slice(2)));
  });
  if (tg) {
    g.append(svg('line', { x1: L, y1: y(tg.value), x2: W - 4, y2: y(tg.value), class: 'target' }));
    g.append(svg('line', { x1: W - 118, y1: 8, x2: W - 100, y2: 8, class: 'target' }));
    g.append(svg('text', { x: W - 96, y: 11, class: 'tick target-label' }, t('q.target') + ' ' + (tg.op === '>=' ? '≥ ' : '< ') + tg.value + ' %'));
  }
  return g;
}

function figureRows(r) {
  return table([
    { label: t('q.figure'), cell: (f) => t('q.' + f.key) },
    { label: t('q.value'), num: true, cell: (f) => fmt(f, r[f.key]) },
    { label: t('q.target'), cell: (f) => { const tg = TARGETS[f.key]; return tg ? (tg.op === '>=' ? '≥ ' : '< ') + tg.value + ' %' : '—'; } },
    { label: t('q.result'), cell: (f) => { const ok = meets(f.key, r[f.key], r); return ok === null ? (TARGETS[f.key] ? t('q.no_data') : '') : badge(ok ? t('q.met') : t('q.missed'), ok ? 'ok target-met' : 'bad target-missed'); } },
  ], FIGURES, { class: 'figures' });
}

/** Renders the quality report (args[0]: YYYY-MM). */
export async function quality(main, args) {
  const now = new Date();
  const month = /^\d{4}-\d{2}$/.test(args[0] || '') ? args[0] : now.getFullYear() + '-' + String(now.getMonth() + 1).padStart(2, '0');
  const input = h('input#q-month', { type: 'month', value: month, required: true });
  const msg = notice();
  const body = h('div#quality');
  const form = h('form.inline#q-form', { onsubmit: (e) => { e.preventDefault(); location.hash = '#/quality/' + input.value; } },
    field(t('q.month'), input), h('button', { type: 'submit' }, t('q.show')),
    h('button#q-csv', { type: 'button', onclick: () => download('/v1/reports/quality?month=' + month + '&format=csv', 'quality-' + month + '.csv').catch((e) => msg.show(errText(e), 'bad')) }, t('q.csv')));
  main.append(h('h1', t('nav.quality')), form, msg, body);
  const months = monthsBack(month, 12);
  try {
    const reports = await Promise.all(months.map((m) => get('/v1/reports/quality', { month: m }).catch((e) => (m === month ? Promise.reject(e) : null))));
    const r = reports[reports.length - 1];
    body.replaceChildren(
      h('section.card', h('h2', t('q.month_figures', { month })), figureRows(r)),
      h('section.card', h('h2', t('q.claims_inspections')), table([
        { label: t('q.figure'), cell: (f) => t('q.' + f.key) },
        { label: t('q.value'), num: true, cell: (f) => fmtMore(f, r[f.key]) },
      ], MORE, { class: 'figures-more' })),
      h('section', h('h2', t('q.charts')), h('div.charts', FIGURES.map((f) => h('figure.card', h('figcaption', t('q.' + f.key)), chart(f, months, reports))))),
      h('section.card', h('h2', t('q.by_courier')), table([
        { label: t('courier'), cell: (c) => person(c.courier_id) },
        { label: t('q.pickups'), num: true, cell: (c) => String(c.pickups) },
        { label: t('q.complaints'), num: true, cell: (c) => String(c.complaints) },
        { label: t('q.complaint_rate_percent'), num: true, cell: (c) => fmt({ unit: '%' }, c.complaint_rate_percent) },
        { label: t('q.satisfaction_share_percent'), num: true, cell: (c) => (c.satisfaction_scores ? fmt({ unit: '%' }, c.satisfaction_share_percent) : '—') },
        { label: t('q.complaints_past_due'), num: true, cell: (c) => String(c.complaints_past_due) },
        { label: t('q.cod_past_due_cents'), num: true, cell: (c) => yuan(c.cod_past_due_cents) },
      ], (r.by_courier || []).slice().sort((a, b) => b.pickups - a.pickups))));
  } catch (e) {
    msg.show(errText(e), 'bad');
  }
  return null;
}

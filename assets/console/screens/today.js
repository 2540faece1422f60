// Today: what a dispatcher must act on now, with counts and links.
import { t } from '../i18n.js';
import { get } from '../api.js';
import { h, yuan, when, person, notice, errText } from '../ui.js';

async function figures() {
  const [risk, breached, overdue, review, cod, damage] = await Promise.all([
    get('/v1/complaints', { at_risk: true, limit: 500 }),
    get('/v1/complaints', { overdue: true, limit: 500 }),
    get('/v1/callbacks', { overdue: true, status: 'open', limit: 500 }),
    get('/v1/callbacks', { review: true, limit: 500 }),
    get('/v1/cod/ledger', { overdue: true, limit: 500 }),
    get('/v1/damage-reports', { limit: 500 }),
  ]);
  return {
    risk: risk.complaints, breached: breached.complaints, overdue: overdue.callbacks, review: review.callbacks,
    cod: cod.entries, codTotals: cod.totals, damage: damage.reports.filter((r) => r.photos_pending || r.photos.some((p) => p.state !== 'stored')),
  };
}

function tile(id, label, count, href, detail) {
  return h('a.tile', { id, href, class: 'tile' + (count > 0 ? ' alert' : '') },
    h('span.count', String(count)), h('span.label', label), detail ? h('span.detail', detail) : null);
}

function list(title, items, line) {
  if (!items.length) return null;
  return h('section.card', h('h2', title), h('ul.plain', items.slice(0, 8).map((x) => h('li', line(x)))));
}

/** Renders Today into main; returns its refresh. */
export async function today(main) {
  const msg = notice();
  const body = h('div#today');
  main.append(h('h1', t('today.title')), msg, body);
  const refresh = async () => {
    let f;
    try {
      f = await figures();
    } catch (e) {
      return msg.show(errText(e), 'bad');
    }
    msg.show('');
    const wb = (w) => (w ? h('a', { href: '#/parcel/' + encodeURIComponent(w) }, w) : '');
    body.replaceChildren(
      h('div.tiles',
        tile('t-risk', t('today.complaints_at_risk'), f.risk.length, '#/complaints/at_risk'),
        tile('t-breached', t('today.complaints_breached'), f.breached.length, '#/complaints/overdue'),
        tile('t-overdue', t('today.callbacks_overdue'), f.overdue.length, '#/callbacks/overdue'),
        tile('t-review', t('today.callbacks_review'), f.review.length, '#/callbacks/review'),
        tile('t-cod', t('today.cod_past_due'), f.codTotals.count, '#/cod/overdue', yuan(f.codTotals.outstanding_cents)),
        tile('t-damage', t('today.damage_missing_photos'), f.damage.length, '#/damage/pending')),
      h('div.columns',
        list(t('today.complaints_breached'), f.breached, (c) => [wb(c.waybill), ' ', t('category.' + c.category), ' · ', t('due'), ' ', when(c.due_by)]),
        list(t('today.complaints_at_risk'), f.risk, (c) => [wb(c.waybill), ' ', t('category.' + c.category), ' · ', t('due'), ' ', when(c.due_by)]),
        list(t('today.callbacks_overdue'), f.overdue, (c) => [wb(c.waybill), ' · ', person(c.courier_id), ' · ', when(c.due_by)]),
        list(t('today.callbacks_review'), f.review, (c) => [wb(c.waybill), ' · ', person(c.courier_id), ' · ', (c.flags || []).join(', ')]),
        list(t('today.cod_past_due'), f.cod, (e) => [wb(e.waybill), ' · ', person(e.courier_id), ' · ', yuan(e.amount_cents)]),
        list(t('today.damage_missing_photos'), f.damage, (r) => [wb(r.waybill), ' · ', person(r.courier_id), ' · ', when(r.recorded_at)])));
  };
  await refresh();
  return refresh;
}

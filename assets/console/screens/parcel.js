// Parcel lookup by waybill: the pickup, one timeline of everything that
// happened to the parcel, its complaints (with their actions) and photos.
import { t } from '../i18n.js';
import { get } from '../api.js';
import { h, when, person, notice, errText, field, photo, openPhoto, badge, scrubPhone } from '../ui.js';
import { complaintCard } from './complaints.js';

// Fields of the pickup never shown even if a server sent them unmasked.
const HIDDEN = new Set(['phone', 'name', 'address']);

function facts(obj, prefix) {
  const out = [];
  for (const [k, v] of Object.entries(obj || {})) {
    if (HIDDEN.has(k) || v === null || v === undefined || v === '') continue;
    if (typeof v === 'object' && !Array.isArray(v)) {
      out.push(...facts(v, (prefix ? prefix + '.' : '') + k));
      continue;
    }
    const key = (prefix ? prefix + '.' : '') + k;
    let shown = Array.isArray(v) ? v.join(', ') : String(v);
    if (/_cents$/.test(k) && typeof v === 'number') shown = '¥' + (v / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    else if (/_at$/.test(k)) shown = when(v);
    else if (!/_masked$/.test(k)) shown = scrubPhone(shown);
    out.push(h('dt', t('field.' + key, { fallback: key })), h('dd', shown));
  }
  return out;
}

async function lookup(waybill, out, ctx) {
  const wb = encodeURIComponent(waybill);
  const [p, comp, dmg] = await Promise.all([
    get('/v1/parcels/' + wb),
    get('/v1/complaints', { waybill, limit: 100 }).catch(() => ({ complaints: [] })),
    get('/v1/damage-reports', { waybill, limit: 100 }).catch(() => ({ reports: [] })),
  ]);
  const redo = () => lookup(waybill, out, ctx);
  const complaintsHere = (comp.complaints || []).filter((c) => c.waybill === waybill);
  out.replaceChildren(
    h('h2', t('parcel.waybill'), ' ', h('span#parcel-waybill', p.waybill)),
    p.pickup ? h('section.card', h('h3', t('parcel.pickup')), h('dl.facts', facts(p.pickup))) : h('p', t('parcel.no_pickup')),
    h('section.card', h('h3', t('parcel.timeline')),
      h('ol#timeline.timeline', (p.events || []).map((e) => h('li', { 'data-type': e.type },
        h('time', when(e.at)), ' ', badge(t('event.' + e.type, { fallback: e.type }), 'info'), ' ',
        e.actor ? person(e.actor) : '', e.summary ? ' · ' + scrubPhone(e.summary) : '')))),
    (dmg.reports || []).length ? h('section.card', h('h3', t('nav.damage')), (dmg.reports || []).map((r) => h('div.photos',
      h('p', t('severity.' + r.severity), ' · ', t('stage.' + r.stage), ' · ', when(r.recorded_at)),
      r.photos.map((ph) => (ph.state === 'stored'
        ? h('button.thumb', { type: 'button', onclick: () => openPhoto(ph.sha256, ctx.atLeast('supervisor')), 'aria-label': t('photo.open') }, photo(ph.sha256, 'thumb'))
        : badge(t('photo.' + ph.state), 'warn')))))) : null,
    complaintsHere.length ? h('section', h('h3', t('nav.complaints')), complaintsHere.map((c) => complaintCard(c, ctx, redo))) : null);
}

/** Renders parcel lookup; args[0] is the waybill. Returns its refresh. */
export async function parcel(main, args, ctx) {
  const input = h('input#parcel-input', { name: 'waybill', value: args[0] || '', maxlength: 32, pattern: '[A-Za-z0-9-]{6,32}', required: true, autocomplete: 'off' });
  const msg = notice();
  const out = h('div#parcel-result');
  const form = h('form#parcel-form.inline', {
    onsubmit: (e) => {
      e.preventDefault();
      location.hash = '#/parcel/' + encodeURIComponent(input.value.trim());
    },
  }, field(t('waybill'), input), h('button', { type: 'submit' }, t('parcel.find')));
  main.append(h('h1', t('nav.parcel')), form, msg, out);
  const waybill = args[0];
  if (!waybill) {
    input.focus();
    return null;
  }
  const refresh = async () => {
    const a = document.activeElement;
    if (a && out.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) return;
    try {
      await lookup(waybill, out, ctx);
      msg.show('');
    } catch (e) {
      out.replaceChildren();
      msg.show(e.status === 404 ? t('parcel.not_found') : errText(e), 'bad');
    }
  };
  await refresh();
  return refresh;
}

// Damage reports: thumbnails, display copies on click (originals for
// supervisors), pending photos shown as pending.
import { t } from '../i18n.js';
import { get } from '../api.js';
import { h, when, person, badge, notice, errText, field, photo, openPhoto, scrubPhone } from '../ui.js';

/** Renders the damage reports; args[0] "pending" shows only reports missing photos. Returns its refresh. */
export async function damage(main, args, ctx) {
  const pendingOnly = h('input#dm-pending', { type: 'checkbox', checked: args[0] === 'pending' });
  const wb = h('input#dm-waybill', { maxlength: 32 });
  const msg = notice();
  const list = h('div#damage-list.board');
  const shown = new Map(); // report id → card, kept so thumbnails are not fetched again
  const refresh = async () => {
    try {
      const r = await get('/v1/damage-reports', { waybill: wb.value.trim(), limit: 200 });
      msg.show('');
      const rows = r.reports.filter((x) => !pendingOnly.checked || x.photos_pending || x.photos.some((p) => p.state !== 'stored'));
      list.replaceChildren(...(rows.length ? rows.map((x) => {
        const key = x.report_id + ':' + x.photos.map((p) => p.state).join(',');
        if (!shown.has(key)) shown.set(key, card(x, ctx));
        return shown.get(key);
      }) : [h('p.empty', t('none'))]));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  pendingOnly.addEventListener('change', refresh);
  wb.addEventListener('change', refresh);
  main.append(h('h1', t('nav.damage')), h('div.filters', field(t('waybill'), wb), h('div.field.check', pendingOnly, h('label', { for: 'dm-pending' }, t('damage.pending_only')))), msg, list);
  await refresh();
  return refresh;
}

function card(x, ctx) {
  return h('article.card.damage', { 'data-id': x.report_id },
    h('h3', h('a', { href: '#/parcel/' + encodeURIComponent(x.waybill) }, x.waybill), ' ', badge(t('severity.' + x.severity), x.severity === 'minor' ? 'warn' : 'bad'), ' ', badge(t('stage.' + x.stage), 'info')),
    h('p', person(x.courier_id), ' · ', when(x.recorded_at)),
    x.description ? h('p.desc', scrubPhone(x.description)) : null,
    h('div.photos', x.photos.map((p) => (p.state === 'stored'
      ? h('button.thumb', { type: 'button', onclick: () => openPhoto(p.sha256, ctx.atLeast('supervisor')), 'aria-label': t('photo.open') }, photo(p.sha256, 'thumb'))
      : h('span.pending-photo', badge(t('photo.' + p.state), p.state === 'pending' ? 'warn' : 'bad'))))));
}

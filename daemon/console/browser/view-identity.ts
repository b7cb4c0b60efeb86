/** Our DPP URI and its QR code: devices that pin their configurator are given this. */
import { api } from './api.js';
import { h, show } from './dom.js';

export async function showIdentity(main: HTMLElement): Promise<void> {
  const { uri, qrSvg } = await api<{ uri: string; qrSvg: string }>('GET', '/api/identity');
  // As an image, not as markup in the page.
  const src = `data:image/svg+xml;base64,${btoa(qrSvg)}`;
  show(
    main,
    h('h1', {}, 'Identity'),
    h(
      'p',
      {},
      "This configurator's DPP URI. A device that pins its configurator accepts only this one.",
    ),
    h('div', { class: 'qr' }, h('img', { src, alt: 'QR code of the configurator URI' })),
    h('p', {}, h('code', { class: 'uri', id: 'identity-uri' }, uri)),
  );
}

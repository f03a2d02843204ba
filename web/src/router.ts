// A path router for four pages (no library needed): /login, /admin, /tenant, /certification.
import { shallowRef } from 'vue';

export const path = shallowRef(location.pathname);
window.addEventListener('popstate', () => (path.value = location.pathname));

export function go(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  path.value = to;
}

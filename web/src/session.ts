// The demo's sign-in: `POST /demo/login {"user"}` (served by `neo-events demo` only) returns a
// connection token for a demo user; the session (user, tenant, roles) is kept per tab.
import { shallowRef } from 'vue';

export interface DemoUser {
  user: string;
  name: string;
  tenant: string;
  roles: string[];
}

export interface Session extends DemoUser {
  token: string;
}

const KEY = 'neo.session';

function load(): Session | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
  } catch {
    return null;
  }
}

export const session = shallowRef<Session | null>(load());

export async function login(user: string): Promise<Session> {
  const res = await fetch('/demo/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  if (!res.ok) throw new Error(`login failed: HTTP ${res.status}`);
  const s = (await res.json()) as Session;
  sessionStorage.setItem(KEY, JSON.stringify(s));
  session.value = s;
  return s;
}

/** A fresh token for the signed-in user (centrifuge-js calls this when its token expired). */
export async function freshToken(): Promise<string> {
  const s = session.value;
  return s ? (await login(s.user)).token : '';
}

export function logout(): void {
  sessionStorage.removeItem(KEY);
  session.value = null;
}

export async function demoUsers(): Promise<DemoUser[]> {
  const res = await fetch('/demo/users');
  return (await res.json()) as DemoUser[];
}

export const isAdmin = (s: Session | null) => !!s?.roles.includes('admin');

/** The portals a user may open. */
export function portalsOf(s: Session | null): Array<'admin' | 'tenant' | 'certification'> {
  if (!s) return [];
  return isAdmin(s) ? ['admin'] : ['tenant', 'certification'];
}

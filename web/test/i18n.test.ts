import { describe, expect, it } from 'vitest';

import { LOCALES, allMessages, locale, t } from '../src/i18n';

describe('i18n', () => {
  it('pt-BR by default; every locale has every message', () => {
    expect(locale.value).toBe('pt-BR');
    const keys = Object.keys(allMessages['pt-BR']).sort();
    for (const l of LOCALES) expect(Object.keys(allMessages[l]).sort()).toEqual(keys);
    expect(t('conn.connecting')).toBe('Reconectando…');
  });
});

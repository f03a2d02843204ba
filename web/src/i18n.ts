// A small i18n: pt-BR by default, es-MX and en selectable; the choice is kept in localStorage.
import { computed, ref } from 'vue';

export const LOCALES = ['pt-BR', 'es-MX', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const messages = {
  'pt-BR': {
    'app.title': 'NEO_STACK · eventos em tempo real',
    'login.title': 'Entrar na demonstração',
    'login.as': 'Entrar como',
    logout: 'Sair',
    'portal.admin': 'Admin',
    'portal.tenant': 'Tenant',
    'portal.certification': 'Certificação',
    'conn.connected': 'Conectado',
    'conn.connecting': 'Reconectando…',
    'conn.disconnected': 'Desconectado',
    'conn.gap': 'Recarregado após uma lacuna',
    'conn.recovered': 'Eventos perdidos recuperados',
    'admin.dashboard': 'Painel em tempo real',
    'admin.activity': 'Atividade dos tenants',
    'admin.alerts': 'Central de alertas',
    'admin.system': 'Monitoramento do sistema',
    'metrics.rps': 'Requisições/s',
    'metrics.tenants': 'Tenants',
    'system.connections': 'Conexões',
    'system.subscriptions': 'Inscrições',
    'system.channels': 'Canais',
    'system.nodes': 'Nós',
    'tenant.deployments': 'Monitor de implantações',
    'tenant.billing': 'Notificações de cobrança',
    'tenant.usage': 'Painel de uso',
    'tenant.presence': 'Usuários online',
    'status.starting': 'iniciando',
    'status.running': 'em execução',
    'status.completed': 'concluída',
    'status.failed': 'falhou',
    'cert.timer': 'Tempo de prova',
    'cert.remaining': 'restante',
    'cert.waiting': 'Aguardando o início da prova…',
    'cert.proctoring': 'Eventos de supervisão',
    'cert.results': 'Resultados',
    'cert.passed': 'aprovado',
    'cert.failed': 'reprovado',
    'cert.collab': 'Colaboração',
    'cert.send': 'Enviar',
    'cert.message': 'Mensagem',
    empty: 'Nada ainda',
    'cert.noTenant': 'O portal de certificação é para usuários de um tenant.',
  },
  'es-MX': {
    'app.title': 'NEO_STACK · eventos en tiempo real',
    'login.title': 'Entrar a la demostración',
    'login.as': 'Entrar como',
    logout: 'Salir',
    'portal.admin': 'Admin',
    'portal.tenant': 'Tenant',
    'portal.certification': 'Certificación',
    'conn.connected': 'Conectado',
    'conn.connecting': 'Reconectando…',
    'conn.disconnected': 'Desconectado',
    'conn.gap': 'Recargado tras una brecha',
    'conn.recovered': 'Eventos perdidos recuperados',
    'admin.dashboard': 'Tablero en tiempo real',
    'admin.activity': 'Actividad de los tenants',
    'admin.alerts': 'Centro de alertas',
    'admin.system': 'Monitoreo del sistema',
    'metrics.rps': 'Solicitudes/s',
    'metrics.tenants': 'Tenants',
    'system.connections': 'Conexiones',
    'system.subscriptions': 'Suscripciones',
    'system.channels': 'Canales',
    'system.nodes': 'Nodos',
    'tenant.deployments': 'Monitor de despliegues',
    'tenant.billing': 'Notificaciones de facturación',
    'tenant.usage': 'Tablero de uso',
    'tenant.presence': 'Usuarios en línea',
    'status.starting': 'iniciando',
    'status.running': 'en ejecución',
    'status.completed': 'completado',
    'status.failed': 'falló',
    'cert.timer': 'Tiempo de examen',
    'cert.remaining': 'restante',
    'cert.waiting': 'Esperando el inicio del examen…',
    'cert.proctoring': 'Eventos de supervisión',
    'cert.results': 'Resultados',
    'cert.passed': 'aprobado',
    'cert.failed': 'reprobado',
    'cert.collab': 'Colaboración',
    'cert.send': 'Enviar',
    'cert.message': 'Mensaje',
    empty: 'Nada todavía',
    'cert.noTenant': 'El portal de certificación es para usuarios de un tenant.',
  },
  en: {
    'app.title': 'NEO_STACK · real-time events',
    'login.title': 'Sign in to the demo',
    'login.as': 'Sign in as',
    logout: 'Sign out',
    'portal.admin': 'Admin',
    'portal.tenant': 'Tenant',
    'portal.certification': 'Certification',
    'conn.connected': 'Connected',
    'conn.connecting': 'Reconnecting…',
    'conn.disconnected': 'Disconnected',
    'conn.gap': 'Reloaded after a gap',
    'conn.recovered': 'Missed events recovered',
    'admin.dashboard': 'Real-time dashboard',
    'admin.activity': 'Tenant activity',
    'admin.alerts': 'Alert center',
    'admin.system': 'System monitoring',
    'metrics.rps': 'Requests/s',
    'metrics.tenants': 'Tenants',
    'system.connections': 'Connections',
    'system.subscriptions': 'Subscriptions',
    'system.channels': 'Channels',
    'system.nodes': 'Nodes',
    'tenant.deployments': 'Deployment monitor',
    'tenant.billing': 'Billing notifications',
    'tenant.usage': 'Usage dashboard',
    'tenant.presence': 'Users online',
    'status.starting': 'starting',
    'status.running': 'running',
    'status.completed': 'completed',
    'status.failed': 'failed',
    'cert.timer': 'Exam time',
    'cert.remaining': 'remaining',
    'cert.waiting': 'Waiting for the exam to start…',
    'cert.proctoring': 'Proctoring events',
    'cert.results': 'Results',
    'cert.passed': 'passed',
    'cert.failed': 'failed',
    'cert.collab': 'Collaboration',
    'cert.send': 'Send',
    'cert.message': 'Message',
    empty: 'Nothing yet',
    'cert.noTenant': 'The certification portal is for a tenant’s users.',
  },
} satisfies Record<Locale, Record<string, string>>;

export type MessageKey = keyof (typeof messages)['pt-BR'];

function initialLocale(): Locale {
  const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem('neo.locale');
  return (LOCALES as readonly string[]).includes(saved ?? '') ? (saved as Locale) : 'pt-BR';
}

export const locale = ref<Locale>(initialLocale());

export function setLocale(next: Locale): void {
  locale.value = next;
  localStorage.setItem('neo.locale', next);
  document.documentElement.lang = next;
}

export function t(key: MessageKey): string {
  return messages[locale.value][key] ?? messages['pt-BR'][key];
}

export const dateTime = computed(
  () => new Intl.DateTimeFormat(locale.value, { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
);
export const money = computed(() => new Intl.NumberFormat(locale.value, { style: 'currency', currency: 'USD' }));

export const allMessages = messages;

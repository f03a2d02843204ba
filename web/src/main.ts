import { createEvents } from '@neo-events/vue';
import { createApp } from 'vue';

import App from './App.vue';
import { freshToken, session } from './session';
import './style.css';

const app = createApp(App);
// One client per app, created only once signed in (the login page needs none). The token comes
// from getToken, so an expired one is replaced without a reload.
if (session.value) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  app.use(
    createEvents({
      url: `${scheme}://${location.host}/connection/websocket`,
      getToken: freshToken,
      name: 'neo-portal',
      clientOptions: { minReconnectDelay: 300, maxReconnectDelay: 3000 },
    }),
  );
}
app.mount('#app');

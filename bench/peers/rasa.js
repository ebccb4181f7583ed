// Minimal embed of Rasa webchat as a React component, as its README shows, with the React 16 it
// declares as a peer.

import Widget from 'rasa-webchat';
import { createElement } from 'react';
import { render } from 'react-dom';

render(
  createElement(Widget, {
    initPayload: '/get_started',
    socketUrl: 'https://rasa.example.com',
    title: 'Help',
  }),
  document.getElementById('webchat'),
);

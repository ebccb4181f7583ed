// Minimal embed of Botpress webchat v4, as its README shows: the floating button and the chat.
import { Fab, Webchat } from '@botpress/webchat';
import { createElement, useState } from 'react';
import { createRoot } from 'react-dom/client';

function App() {
  const [open, setOpen] = useState(false);
  return createElement(
    'div',
    null,
    open ? createElement(Webchat, { clientId: '00000000-0000-0000-0000-000000000000' }) : null,
    createElement(Fab, { onClick: () => setOpen(!open) }),
  );
}

createRoot(document.getElementById('chat')).render(createElement(App));

// Issue #14: Spanish and Arabic visitors get every reply in their language, a new message withdraws
// a waiting confirm card, and a page on a refused origin stops and says why, in a real Chromium.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, useDemo } from './browser.js';

/** Sends a message through the Spanish UI and waits for the complete reply after it. */
async function askEs(page: Page, text: string): Promise<Locator> {
  const replies = page.locator('deputy-chat').locator('.row.assistant:not(.greeting):not(.streaming)');
  const before = await replies.count();
  await page.getByRole('textbox', { name: 'Mensaje', exact: true }).fill(text);
  await page.getByRole('button', { name: 'Enviar', exact: true }).click();
  await expect.poll(() => replies.count(), { timeout: 15_000 }).toBeGreaterThan(before);
  return replies.last();
}

// DEPUTY_SCREENSHOTS=1 refreshes the committed screenshots; ordinary runs write to test-results/.
const SHOTS = process.env.DEPUTY_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots';

describe.skipIf(!hasChromium)('the widget in Spanish and Arabic', () => {
  const demo = useDemo();
  let foreign: Server;
  let foreignUrl = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // A shop on another origin that the demo site does not allow (loopback, its own port).
    foreign = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><html lang="es"><body><h1>Otra tienda</h1><script src="${demo.server.url}/widget.js" data-site="demo" data-locale="es" data-open="true" async></script></body></html>`,
      );
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => foreign?.close(() => resolve()));
  });

  it('Spanish: replies in Spanish, and a question typed instead of a click withdraws the card', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${demo.server.url}/?as=alice&locale=es`);
    await page.getByRole('button', { name: 'Abrir chat', exact: true }).click();
    const input = page.getByRole('textbox', { name: 'Mensaje', exact: true });
    await input.waitFor();
    const status = await askEs(page, '¿cuál es el estado del ticket T-1001?');
    expect(await status.textContent()).toMatch(
      /El ticket T-1001 .* está abierto\. Se abrió el 18 de noviembre de 2026/,
    );

    await input.fill('quiero cambiar mi teléfono a +44 20 7946 0444');
    await page.getByRole('button', { name: 'Enviar', exact: true }).click();
    const card = page.locator('deputy-chat').locator('fieldset.card').last();
    await card.waitFor({ timeout: 15_000 });
    expect(await card.locator('.summary').textContent()).toMatch(
      /¿Cambiar tu teléfono de .* a \+44 20 7946 0444\?/,
    );

    // The visitor does not click: they ask something else. It is answered, and the card is withdrawn.
    const other = await askEs(page, 'muéstrame mis tickets');
    expect(await other.textContent()).toMatch(/Tienes 2 tickets/);
    await expect
      .poll(() => card.locator('.outcome').textContent(), { timeout: 10_000 })
      .toBe('No se ha cambiado nada');
    expect(await card.getByRole('button', { name: 'Confirmar', exact: true }).isDisabled()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/spanish.png` });
    await page.close();
  });

  it('Arabic: a question with an Arabic-Indic ticket number is answered in Arabic, right to left', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${demo.server.url}/?as=bob&locale=ar`);
    await page.getByRole('button', { name: 'فتح المحادثة', exact: true }).click();
    const input = page.getByRole('textbox', { name: 'الرسالة', exact: true });
    await input.waitFor();
    await input.fill('ما حالة التذكرة ٢٠٠١؟');
    await page.getByRole('button', { name: 'إرسال', exact: true }).click();
    const replies = page.locator('deputy-chat').locator('.row.assistant:not(.greeting):not(.streaming)');
    await expect
      .poll(() => replies.last().textContent(), { timeout: 15_000 })
      .toMatch(/التذكرة T-2001 .* حالتها قيد المعالجة/);
    const who = page.locator('deputy-chat').locator('.row.assistant:not(.greeting):not(.streaming)');
    await input.fill('من أنا؟');
    await page.getByRole('button', { name: 'إرسال', exact: true }).click();
    await expect
      .poll(() => who.last().textContent(), { timeout: 15_000 })
      .toMatch(/أنت مسجّل الدخول باسم Bob Chen/);
    await page.screenshot({ path: `${SHOTS}/arabic-replies.png` });
    await page.close();
  });

  it('a page on a refused origin stops reconnecting and shows why, in Spanish', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(foreignUrl);
    const panel = page.locator('deputy-chat');
    await expect
      .poll(() => panel.getByText('Esta página no tiene permiso para usar este chat.').count(), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    // Stopped for good: the composer is off and no reconnect loop ran (one attempt, maybe one more).
    expect(await page.getByRole('button', { name: 'Enviar', exact: true }).isDisabled()).toBe(true);
    const tries = sockets.length;
    expect(tries).toBeLessThanOrEqual(2);
    await page.screenshot({ path: `${SHOTS}/refused-origin.png` });
    await page.close();
  });
});

/**
 * Operator alerts: a short tone (switchable, remembered), the unread count in the tab title, and a
 * desktop notification when the tab is hidden and the browser allows it.
 */
export class Notifier {
  unread = 0;
  sound = localStorage.getItem('deputy-console-sound') !== 'off';
  #audio: AudioContext | null = null;

  constructor(private readonly baseTitle = 'Deputy console') {
    const seen = () => {
      if (!document.hidden) this.clear();
    };
    document.addEventListener('visibilitychange', seen);
    window.addEventListener('focus', seen);
  }

  setSound(on: boolean): void {
    this.sound = on;
    localStorage.setItem('deputy-console-sound', on ? 'on' : 'off');
  }

  alert(title: string, body: string): void {
    if (document.hidden || !document.hasFocus()) {
      this.unread++;
      document.title = `(${this.unread}) ${this.baseTitle}`;
      if ('Notification' in window && Notification.permission === 'granted')
        new Notification(title, { body });
    }
    if (this.sound) this.#beep();
  }

  clear(): void {
    this.unread = 0;
    document.title = this.baseTitle;
  }

  #beep(): void {
    try {
      this.#audio ??= new AudioContext();
      const osc = this.#audio.createOscillator();
      const gain = this.#audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(this.#audio.destination);
      osc.start();
      osc.stop(this.#audio.currentTime + 0.15);
    } catch {
      // No audio (autoplay policy before a click): the title and notification still tell.
    }
  }
}

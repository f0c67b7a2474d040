// The "ready" moment on a guest's phone or the pickup board: a short two-note chime
// (Web Audio, once someone has tapped to allow sound, as browsers require) and a buzz
// where vibration exists.

let context: AudioContext | null = null;

/** Called from a tap: browsers only let a page make sound after one. */
export function allowSound(): boolean {
  try {
    context ??= new AudioContext();
    void context.resume();
    return true;
  } catch {
    return false;
  }
}

export function soundAllowed(): boolean {
  return context !== null;
}

/** Plays the chime if sound is allowed, and vibrates if the phone can. */
export function announceReady(): void {
  navigator.vibrate?.([250, 120, 250]);
  if (!context) return;
  const start = context.currentTime;
  for (const [offset, frequency] of [
    [0, 784],
    [0.22, 1047],
  ] as const) {
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.4, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.5);
    tone.connect(gain).connect(context.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 0.55);
  }
}

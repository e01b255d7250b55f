// On a phone the machine list and the alarms live in a sheet at the bottom of the screen
// (style.css lays it out below 700 px; on a wide screen the handle is hidden and the list
// always open). Its handle opens and closes it and says how many machines and active alarms
// there are, so a visitor knows what is behind it; choosing a machine closes the sheet, so
// the machine's panel, a sheet of its own, has the room.
import type { TwinScene } from '../scene/twin-scene.ts';

export class BottomSheet {
  private readonly handle: HTMLButtonElement;

  constructor(
    private readonly root: HTMLElement,
    scene: TwinScene,
  ) {
    this.handle = document.createElement('button');
    this.handle.type = 'button';
    this.handle.className = 'sheet-handle';
    this.handle.setAttribute('aria-expanded', 'false');
    root.prepend(this.handle);
    this.handle.addEventListener('click', () => this.open(!root.classList.contains('open')));
    scene.addEventListener('select', (e) => {
      if (e.id !== undefined) this.open(false);
    });
    this.refresh(0, 0);
  }

  open(open: boolean): void {
    this.root.classList.toggle('open', open);
    this.handle.setAttribute('aria-expanded', String(open));
  }

  refresh(machines: number, activeAlarms: number): void {
    const text = `Machines (${machines})${activeAlarms ? ` · ⚠ ${activeAlarms}` : ''}`;
    if (this.handle.textContent !== text) this.handle.textContent = text;
  }
}

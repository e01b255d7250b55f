// The list of machines with their live status colour; click to select. Rebuilt whenever the
// scene is, and marks the selection as soon as the scene announces it.
import type { TwinScene } from '../scene/twin-scene.ts';
import { STATUS_COLOR, hex } from '../machines/status.ts';

export class MachineList {
  private readonly items = new Map<string, HTMLLIElement>();

  constructor(
    private readonly root: HTMLElement,
    private readonly scene: TwinScene,
  ) {
    root.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest('li');
      if (!li?.dataset.device) return;
      scene.select(li.dataset.device);
      scene.focus(li.dataset.device);
    });
    scene.addEventListener('build', () => {
      this.build();
      this.refresh();
    });
    scene.addEventListener('select', () => this.refresh());
  }

  private build(): void {
    this.root.replaceChildren();
    this.items.clear();
    for (const m of this.scene.machines.values()) {
      const li = document.createElement('li');
      li.dataset.device = m.device.id;
      li.innerHTML = '<span class="dot"></span><span class="name"></span><span class="state"></span>';
      li.querySelector('.name')!.textContent = m.device.name;
      this.root.appendChild(li);
      this.items.set(m.device.id, li);
    }
  }

  refresh(): void {
    for (const [id, li] of this.items) {
      const m = this.scene.machines.get(id)!;
      (li.querySelector('.dot') as HTMLElement).style.background = hex(STATUS_COLOR[m.status]);
      li.querySelector('.state')!.textContent = m.status === 'unknown' ? 'no data' : m.status;
      li.dataset.status = m.status;
      li.classList.toggle('selected', id === this.scene.selected);
    }
  }
}

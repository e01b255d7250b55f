// The list of machines with their live status colour; click to select.
import type { TwinScene } from '../scene/twin-scene.ts';
import { STATUS_COLOR, hex } from '../machines/status.ts';

export class MachineList {
  private readonly items = new Map<string, HTMLLIElement>();

  constructor(
    private readonly root: HTMLElement,
    private readonly scene: TwinScene,
    onSelect: (id: string) => void,
  ) {
    root.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest('li');
      if (li?.dataset.device) onSelect(li.dataset.device);
    });
  }

  build(): void {
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

  refresh(selected: string | undefined): void {
    for (const [id, li] of this.items) {
      const m = this.scene.machines.get(id)!;
      (li.querySelector('.dot') as HTMLElement).style.background = hex(STATUS_COLOR[m.status]);
      li.querySelector('.state')!.textContent = m.status === 'unknown' ? 'no data' : m.status;
      li.dataset.status = m.status;
      li.classList.toggle('selected', id === selected);
    }
  }
}

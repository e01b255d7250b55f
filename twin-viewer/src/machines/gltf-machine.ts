// A device drawn from the glTF model its profile names (twin.gltf), instead of a built-in
// one. Bindings address the model's named nodes: `<node>.rotation` (about the vertical),
// `<node>.rotation_x|_y|_z`, `<node>.position_x|_y|_z`; plus `status`, like every machine.
// The model arrives later than the machine: it announces `load`, so the scene draws again.
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import type { Targets } from './bindings.ts';
import type { Machine } from './machine.ts';
import { disposeOwned, geo, mat, mesh, setTint, tinted } from './parts.ts';
import { STATUS_COLOR, type Status } from './status.ts';

const loader = new GLTFLoader();

export interface GltfMachineEventMap {
  load: {};
}

export class GltfMachine extends THREE.EventDispatcher<GltfMachineEventMap> implements Machine {
  readonly object = new THREE.Group();
  readonly labelHeight: number = 1.6;
  loaded = false;
  private model: THREE.Object3D | undefined;
  private disposed = false;
  private readonly light = tinted(geo.sphere(), mat.glow(), [0.08, 0.08, 0.08], [0, 1.3, 0], 0x888888);
  private readonly placeholder = mesh(geo.box(), mat.dark(), [0.6, 0.6, 0.6], [0, 0.3, 0]);

  constructor(url: string) {
    super();
    this.object.add(this.placeholder, this.light);
    loader.load(
      url,
      (gltf) => {
        // Rebuilt or closed while the file was on its way: the model has no place to go.
        if (this.disposed) return disposeOwned(gltf.scene);
        this.model = gltf.scene;
        this.object.remove(this.placeholder);
        this.object.add(gltf.scene);
        this.loaded = true;
        this.dispatchEvent({ type: 'load' });
      },
      undefined,
      (err) => console.warn(`glTF model ${url} could not be loaded; keeping a placeholder`, err),
    );
  }

  update(t: Targets, status: Status): boolean {
    setTint(this.light, STATUS_COLOR[status]);
    if (!this.model) return false;
    for (const key in t) {
      const dot = key.indexOf('.');
      if (dot < 0) continue;
      const node = this.model.getObjectByName(key.slice(0, dot));
      const v = t[key];
      if (!node || typeof v !== 'number') continue;
      const prop = key.slice(dot + 1);
      if (prop === 'rotation' || prop === 'rotation_y') node.rotation.y = v;
      else if (prop === 'rotation_x') node.rotation.x = v;
      else if (prop === 'rotation_z') node.rotation.z = v;
      else if (prop === 'position_x') node.position.x = v;
      else if (prop === 'position_y') node.position.y = v;
      else if (prop === 'position_z') node.position.z = v;
    }
    return false;
  }

  dispose(): void {
    this.disposed = true;
    disposeOwned(this.object);
  }
}

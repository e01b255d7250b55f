// Light that reads as a shop floor: the hall's environment as a sky/ground light (cool roof
// lights above, the grey floor's bounce below) and a soft fill from the other side, one key
// light casting soft shadows fitted to the floor, a hall-grey background fading into haze.
// Not an environment map: in software GL (kiosks without a GPU, our tests) sampling one costs
// more than the rest of the frame together (measured: 427 → 158 ms a frame without it).
// Made once per scene, freed with it; a rebuild only refits the shadow to the new floor.
import * as THREE from 'three';

/** Software GL pays per shadow texel: 1024² keeps a frame in budget with soft (filtered) edges. */
const SHADOW_MAP = 1024;
/**
 * The shadow pass draws the scene a second time; redrawn five times a second it costs a
 * fraction of that, and a shadow a few frames behind a moving arm is not seen.
 */
const SHADOW_EVERY_MS = 200;

export class ShopLighting {
  private readonly lights: THREE.Light[];
  private readonly sun = new THREE.DirectionalLight(0xfff4e5, 1.5);
  private shadowAt = -Infinity;
  /** Shadow maps where a GPU draws them; off in software GL, where they cost ~40 % of a frame. */
  readonly shadows: boolean;

  constructor(
    private readonly renderer: THREE.WebGLRenderer,
    private readonly world: THREE.Scene,
  ) {
    renderer.toneMapping = THREE.NeutralToneMapping;
    this.shadows = !softwareGl(renderer);
    renderer.shadowMap.enabled = this.shadows;
    renderer.shadowMap.type = THREE.PCFShadowMap;
    renderer.shadowMap.autoUpdate = false;
    world.background = new THREE.Color(0x1b2026);
    world.fog = new THREE.Fog(0x1b2026, 45, 110);
    const sky = new THREE.HemisphereLight(0xe6eef7, 0x4a4f55, 1.9);
    const fill = new THREE.DirectionalLight(0xcfe0ff, 0.5);
    fill.position.set(12, 10, -14);
    this.sun.castShadow = this.shadows;
    this.sun.shadow.mapSize.set(SHADOW_MAP, SHADOW_MAP);
    this.sun.shadow.radius = 4;
    this.sun.shadow.bias = -0.0005;
    this.sun.shadow.normalBias = 0.02;
    this.lights = [sky, fill, this.sun];
    world.add(sky, fill, this.sun, this.sun.target);
    this.fit({ width: 40, depth: 24 });
  }

  /** Before each drawn frame: asks for a new shadow map when the last is old enough (or `now` says so). */
  beforeFrame(now: number, force = false): void {
    if (!this.shadows || (!force && now - this.shadowAt < SHADOW_EVERY_MS)) return;
    this.shadowAt = now;
    this.renderer.shadowMap.needsUpdate = true;
  }

  /** Fits the key light's shadow to a floor of this size (site metres, centred). */
  fit(floor: { width: number; depth: number }): void {
    const half = Math.max(floor.width, floor.depth) / 2 + 2;
    this.sun.position.set(-half * 0.35, half * 1.1, half * 0.55);
    this.sun.target.position.set(0, 0, 0);
    const cam = this.sun.shadow.camera;
    cam.left = -half;
    cam.right = half;
    cam.top = half;
    cam.bottom = -half;
    cam.near = 1;
    cam.far = half * 3.5;
    cam.updateProjectionMatrix();
    this.shadowAt = -Infinity;
  }

  dispose(): void {
    for (const l of this.lights) {
      l.removeFromParent();
      l.dispose();
    }
    this.sun.target.removeFromParent();
    this.world.fog = null;
  }
}

/** SwiftShader, llvmpipe and the like: a kiosk without a GPU, or a headless test. */
function softwareGl(renderer: THREE.WebGLRenderer): boolean {
  const gl = renderer.getContext();
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  return /swiftshader|llvmpipe|softpipe|software/i.test(name);
}

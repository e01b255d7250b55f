// Who may do what on the broker, derived from the site model: each MQTT device's user may
// publish (and read back) only the topics its profile gives it, the gateway's user reads the
// filters the gateway subscribes to, and nothing is granted to anyone else (Mosquitto denies
// what no line allows). Pure: the files are written elsewhere.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { ConfigError } from '../core/errors.ts';
import { deviceTopic, subscriptionFilter, subscriptionsFor } from '../normalize/topic-router.ts';

export interface DeviceAccess {
  readonly deviceId: string;
  /** The device's MQTT user name: its id (password files separate fields with ':'). */
  readonly username: string;
  /** Topic filters the device may publish and read: its profile's topics with its own id. */
  readonly topics: readonly string[];
}

export interface MqttAccess {
  readonly devices: readonly DeviceAccess[];
  /** Filters the gateway subscribes to. */
  readonly gatewayReads: readonly string[];
}

export const GATEWAY_MQTT_USER = 'fieldlab-gateway';
export const HEALTHCHECK_MQTT_USER = 'fieldlab-healthcheck';
/** The one topic a container healthcheck reads, so the check needs no wider right. */
export const HEALTHCHECK_TOPIC = '$SYS/broker/uptime';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function mqttAccess(site: SiteModel): MqttAccess {
  const devices: DeviceAccess[] = [];
  site.devices.forEach((device, i) => {
    const mqtt = device.profileDef.mqtt;
    if (!mqtt) return;
    if (!USERNAME.test(device.id) || device.id === GATEWAY_MQTT_USER || device.id === HEALTHCHECK_MQTT_USER) {
      throw new ConfigError(site.file, [{ path: `devices.${i}.id`, message: `expected an id of letters, digits, ".", "_" and "-" (not ${GATEWAY_MQTT_USER} or ${HEALTHCHECK_MQTT_USER}) to be this device's MQTT user name` }]);
    }
    // Placeholders other than {id} (an event name, a signal) stay open as single levels.
    const topics = [...new Set(mqtt.topics.map((t) => subscriptionFilter(deviceTopic(t.topic, device.topicId))))];
    devices.push({ deviceId: device.id, username: device.id, topics });
  });
  return { devices, gatewayReads: subscriptionsFor(site) };
}

/** A Mosquitto acl_file for these rights. */
export function aclFile(access: MqttAccess, siteName: string): string {
  const lines = [
    `# Mosquitto ACL for ${siteName}, written by \`fieldlab deploy credentials\`; regenerate, do not edit.`,
    '# No lines before the first "user": anonymous clients get nothing.',
    '',
    `user ${GATEWAY_MQTT_USER}`,
    ...access.gatewayReads.map((t) => `topic read ${t}`),
    '',
    `user ${HEALTHCHECK_MQTT_USER}`,
    `topic read ${HEALTHCHECK_TOPIC}`,
  ];
  for (const d of access.devices) lines.push('', `user ${d.username}`, ...d.topics.map((t) => `topic readwrite ${t}`));
  return `${lines.join('\n')}\n`;
}

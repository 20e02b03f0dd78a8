/** Where tinyproxy and the files the charm manages live on the machine. */
export interface TinyproxyPaths {
  readonly binary: string;
  readonly configDir: string;
  readonly configFile: string;
  readonly runDir: string;
  readonly pidFile: string;
  readonly logDir: string;
  readonly unitFile: string;
  readonly unitName: string;
  readonly account: string;
}

/** The real locations, the same on Debian and Ubuntu. */
export const DEFAULT_PATHS: TinyproxyPaths = {
  binary: '/usr/bin/tinyproxy',
  configDir: '/etc/tinyproxy',
  configFile: '/etc/tinyproxy/tinyproxy.conf',
  runDir: '/run/tinyproxy',
  pidFile: '/run/tinyproxy/tinyproxy.pid',
  logDir: '/var/log/tinyproxy',
  unitFile: '/etc/systemd/system/tinyproxy.service',
  unitName: 'tinyproxy.service',
  account: 'tinyproxy',
};

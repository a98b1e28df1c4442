import { LabError } from '../../kernel/errors';
import type { Endpoint } from '../../transport/network';
import type { LabPhone } from '../../lab/lab-schema';
import type { NodeEnv } from '../node';
import { DIAL_STRING, defineNodeKind } from '../surface';
import type { ArgValue } from '../surface';
import { LAMP_STATES, PHONE_CALL_STATES } from './phone';
import type { Phone, PhoneLineObservation } from './phone';
import { SccpPhone } from './sccp-phone';
import { SipPhone } from './sip-phone';

interface PhoneNodeConfig {
  readonly phone: LabPhone;
  /** CUCM's address; SCCP phones use port 2000, SIP phones 5060. */
  readonly cucm: string;
}

const destination = {
  kind: 'actor',
  property: ['dn'],
  literal: { pattern: DIAL_STRING, name: 'dial string' },
  description: 'an actor (dials their DN) or a dial string',
} as const;

const text = (arg: ArgValue | undefined): string => String(arg);

async function startPhone(env: NodeEnv, c: PhoneNodeConfig): Promise<Phone> {
  const p = c.phone;
  const lines = p.lines.map((l) => ({ dn: l.dn }));
  const cucm: Endpoint = { address: c.cucm, port: p.protocol === 'sccp' ? 2000 : 5060 };
  if (p.protocol === 'sccp') {
    if (p.model === '7971') throw new LabError('UC_CONFIG', `${p.name}: the 7971 runs SIP in the lab`);
    return SccpPhone.start(env, { deviceName: p.name, model: p.model, endpoint: p.endpoint, cucm, lines });
  }
  if (p.model !== '7971' && p.model !== '7970') throw new LabError('UC_CONFIG', `${p.name}: the ${p.model} has no SIP load in the lab`);
  if (p.endpoint !== '7971-sip' && p.endpoint !== '7970-sip') throw new LabError('UC_CONFIG', `${p.name}: ${p.endpoint} is not a SIP endpoint`);
  return SipPhone.start(env, { deviceName: p.name, model: p.model, endpoint: p.endpoint, cucm, lines });
}

/** The line a matcher looks at: the one carrying `dn` when it names one, else line (button) `line`. */
function lineOf(phone: Phone, s: Readonly<Record<string, unknown>>): PhoneLineObservation | undefined {
  const lines = phone.observe().lines;
  if (s.dn !== undefined) return lines.find((l) => l.dn === s.dn);
  return lines[Number(s.line) - 1];
}

/** The line (button) number that carries a DN (shared lines: the assistant's button for the boss's DN). */
function lineNumberOf(phone: Phone, dn: string): number {
  const line = phone.observe().lines.find((l) => l.dn === dn);
  if (!line) throw new LabError('UC_NODE', `${phone.observe().deviceName}: no line carries ${dn}`);
  return line.line;
}

const lineByDn = {
  kind: 'actor',
  property: ['dn'],
  literal: { pattern: DIAL_STRING, name: 'directory number' },
  description: "an actor (the line carrying their DN) or a DN",
} as const;

/** A Cisco IP phone of the test bed (7975, 7971, 7931, 7970; SCCP or SIP load), registered with CUCM. */
export const phoneKind = defineNodeKind<PhoneNodeConfig, Phone>({
  kind: 'phone',
  title: 'Cisco IP phone',
  dependsOn: ['cucm'],
  ports: (c) => `${c.phone.model} ${c.phone.protocol.toUpperCase()} phone ${c.phone.name} (registered with CUCM)`,
  instances: (lab, ctx) => lab.cucm.phones.map((phone) => ({ host: phone.host, config: { phone, cucm: ctx.addressOf(lab.cucm.host) } })),
  start: startPhone,
  actorSurfaces: {
    phone: {
      summary: "the actor's IP phone",
      host: (lab, actor) => lab.cucm.phones.find((p) => p.name === actor.device)?.host,
    },
  },
  surface: {
    actions: {
      offHook: { summary: 'lift the handset (answers a ringing call, else dial tone)', run: (p) => p.offHook() },
      onHook: { summary: 'put the handset down', run: (p) => p.onHook() },
      dial: { summary: 'dial a number (goes off hook first when idle)', arg: destination, run: (p, a) => p.dial(text(a)) },
      answer: { summary: 'the Answer soft key (speakerphone)', run: (p) => p.answer() },
      answerLine: {
        summary: 'the Answer soft key on the line that carries a DN (a shared line\'s button on this phone)',
        arg: lineByDn,
        run: (p, a) => p.answer(lineNumberOf(p, text(a))),
      },
      hangUp: { summary: 'end the call (EndCall soft key, or on hook)', run: (p) => p.hangUp() },
      forwardAll: {
        summary: 'the CFwdAll soft key and a destination: Call Forward All on line 1',
        arg: destination,
        run: (p, a) => p.forwardAll(text(a)),
      },
      cancelForwardAll: { summary: 'the CFwdAll soft key alone: cancel Call Forward All', run: (p) => p.forwardAll(undefined) },
      servicesKey: {
        summary: 'the Services (globe) button: the phone fetches its IP phone services menu from CUCM over HTTP',
        run: (p) => p.servicesKey(),
      },
      emLogin: {
        summary: 'Services → Extension Mobility → user ID and PIN (the screen shows the outcome)',
        arg: {
          kind: 'fields',
          description: 'who logs in',
          fields: {
            user: { kind: 'actor', property: ['userId'], literal: { pattern: /^[A-Za-z0-9._-]+$/, name: 'user ID' }, description: 'an actor (their end user ID) or a user ID' },
            pin: { kind: 'text', pattern: /^[0-9]+$/, patternName: 'digits', description: 'the PIN' },
          },
        },
        run: (p, a) => {
          const f = a as Readonly<Record<string, unknown>>;
          return p.emLogin(String(f.user), String(f.pin));
        },
      },
      emLogout: { summary: 'Services → Extension Mobility → Logout', run: (p) => p.emLogout() },
      conferenceKey: {
        summary: 'the Confrn soft key: holds the call and opens a new one; pressed again, the three parties go to a conference bridge',
        run: (p) => p.conferenceKey(),
      },
      meetMeKey: {
        summary: 'the MeetMe soft key: a new call whose number must be a Meet-Me number; dialling it opens that conference',
        run: (p) => p.meetMeKey(),
      },
      transferKey: {
        summary: 'the Transfer soft key: holds the call and opens a consultation call; pressed again, joins the two',
        run: (p) => p.transferKey(),
      },
      dndKey: {
        summary: 'the DND soft key: Do Not Disturb on, or off again',
        run: (p) => p.dndKey(),
      },
    },
    selectors: {
      line: { spec: { kind: 'integer', min: 1, description: 'line (button) number the other keys refer to; default 1' }, default: 1 },
      dn: { spec: { ...lineByDn, description: 'instead of `line`: the line that carries this DN (an actor\'s, or a number)' } },
    },
    observations: {
      callState: { summary: 'call state of the line', value: { kind: 'enum', values: PHONE_CALL_STATES, description: 'a call state' }, read: (p, s) => lineOf(p, s)?.callState },
      ringer: { summary: 'whether the line rings', value: { kind: 'enum', values: ['on', 'off'], description: 'ringer' }, read: (p, s) => lineOf(p, s)?.ringer },
      lamp: { summary: 'the line lamp (SCCP SetLamp modes)', value: { kind: 'enum', values: LAMP_STATES, description: 'lamp' }, read: (p, s) => lineOf(p, s)?.lamp },
      display: {
        summary: 'the line\'s prompt or call information, as the screen shows it',
        value: { kind: 'text', description: 'a case-insensitive part of the display' },
        match: 'contains',
        read: (p, s) => lineOf(p, s)?.display,
      },
      forwardAll: {
        summary: 'where Call Forward All sends the line, as the phone shows it ("" when not forwarded)',
        value: { kind: 'text', description: 'a number, or ""' },
        read: (p, s) => lineOf(p, s)?.forwardAll,
      },
      digits: {
        summary: 'DTMF the line received from the far end in its current call, in order (SCCP: CUCM\'s Dtmf tones; SIP: INFO dtmf-relay)',
        value: { kind: 'text', description: 'digits, a part of what was received' },
        match: 'contains',
        read: (p, s) => lineOf(p, s)?.digits,
      },
      registered: { summary: 'registered with CUCM', value: { kind: 'boolean', description: 'registered' }, read: (p) => p.observe().registered },
      screen: {
        summary: 'what the Services screen shows: the service\'s title and text (an Extension Mobility prompt or result)',
        value: { kind: 'text', description: 'a case-insensitive part of the screen' },
        match: 'contains',
        read: (p) => p.observe().screen,
      },
      dnd: { summary: 'Do Not Disturb as the phone shows it', value: { kind: 'boolean', description: 'DND on' }, read: (p) => p.observe().dnd },
    },
    describe: (p) => {
      const o = p.observe();
      const lines = o.lines.map((l) => `line${l.line} ${l.dn} callState=${l.callState} ringer=${l.ringer} lamp=${l.lamp} display="${l.display}"`);
      return `{ registered=${o.registered} speaker=${o.speaker} ${lines.join(' | ')} }`;
    },
  },
});

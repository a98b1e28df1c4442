import { CSTA_ERROR_VALUES, CSTA_EVENT_TYPES } from '../../protocols/csta';
import { PRESENCE_STATES } from '../../protocols/presence/ms-category-publish';
import type { PresenceState } from '../../protocols/presence/ms-category-publish';
import { DIAL_STRING, defineNodeKind } from '../surface';
import type { ArgValue, NodeInstance } from '../surface';
import { netbiosDomain } from '../shared/ad-domain';
import { normalizeNumber } from './address-book';
import { CONFERENCE_STATES, CONTACT_PRESENCE_STATES, CONVERSATION_STATES, OcClient, RCC_SESSION_STATES, WATCH_STATES } from './oc-client';
import type { OcClientConfig } from './oc-client';

const destination = {
  kind: 'actor',
  property: ['lineUri', 'dn'],
  literal: { pattern: DIAL_STRING, name: 'dial string' },
  description: "an actor (their line URI, else their DN) or a dial string",
} as const;


const text = (arg: ArgValue | undefined): string => String(arg);
const contactArg = { kind: 'actor', property: ['userId'], literal: { pattern: /^[A-Za-z0-9._-]+$/, name: 'user id' }, description: 'a Cisco user: an actor, or a CUP user id' } as const;
const isPresence = (v: string): v is PresenceState => (PRESENCE_STATES as readonly string[]).includes(v);

/**
 * Office Communicator in remote-call-control mode, on each PC of each OCS user: the user's own PC
 * (`client.host`) and, for users who also sign in elsewhere (MPOP), their second PC
 * (`client.otherLocations[0]`). Clients start signed out; a scenario signs them in.
 */
export const ocKind = defineNodeKind<OcClientConfig, OcClient>({
  kind: 'oc',
  title: 'Office Communicator',
  dependsOn: ['ocs', 'phone'],
  ports: (c) => `Office Communicator of ${c.userId} (signs in when a scenario says so)`,
  instances: (lab, ctx) => {
    // The address book the clients download from their pool's Address Book Service: each user's display name and
    // AD telephone number, normalized by the pool's normalization rules (A2; docs/protocols/sign-in.md §7). It is
    // the pool's, so its clients share one read-only copy (a copy per client is N² entries in a large lab).
    const books = new Map<string, OcClientConfig['addressBook']>();
    const bookOf = (pool: (typeof lab.ocs.pools)[number]): OcClientConfig['addressBook'] => {
      let book = books.get(pool.name);
      if (!book) {
        book = Object.freeze(
          lab.ocs.users.map((u) => Object.freeze({
            displayName: u.displayName,
            lineUri: u.telephoneNumber === undefined ? u.rcc.lineUri : `tel:${normalizeNumber(pool.normalizationRules, u.telephoneNumber)}`,
          })),
        );
        books.set(pool.name, book);
      }
      return book;
    };
    return lab.ocs.users.flatMap((user): NodeInstance<OcClientConfig>[] => {
      const pool = lab.ocs.pools.find((p) => p.name === user.pool);
      if (!pool) return [];
      const addressBook = bookOf(pool);
      const config: OcClientConfig = {
        release: lab.versions.oc,
        userId: user.id,
        displayName: user.displayName,
        sipUri: user.sipUri,
        poolFqdn: pool.fqdn,
        poolPort: 5060,
        connection: user.client.connection,
        domain: lab.domain,
        account: { logon: user.id, domain: netbiosDomain(lab.domain), password: user.password },
        phoneSelectionPlugin: user.client.phoneSelectionPlugin,
        addressBook,
        ciscoPresenceDomain: ctx.fqdnOf(lab.cup.host),
      };
      return [user.client.host, ...user.client.otherLocations.slice(0, 1)].map((host) => ({ host, config }));
    });
  },
  start: async (env, config) => new OcClient(env, config),
  actorSurfaces: {
    oc: {
      summary: "the actor's Office Communicator, on their own PC",
      optIn: 'oc',
      host: (lab, actor) => lab.ocs.users.find((u) => u.id === actor.userId)?.client.host,
    },
    ocElsewhere: {
      summary: "the actor's Office Communicator on their other PC (the lab's client.otherLocations), for MPOP",
      optIn: 'oc',
      host: (lab, actor) => lab.ocs.users.find((u) => u.id === actor.userId)?.client.otherLocations[0],
    },
  },
  surface: {
    actions: {
      signIn: { summary: 'sign in to the pool (and open the RCC session when RCC is enabled)', run: (oc) => oc.signIn() },
      signOut: { summary: 'sign out', run: (oc) => oc.signOut() },
      makeCall: { summary: 'click-to-call: CSTA MakeCall from the user\'s line', arg: destination, run: (oc, a) => oc.makeCall(text(a)) },
      callContact: {
        summary: "search the address book for a contact by name and call the contact's line URI (CSTA MakeCall)",
        arg: { kind: 'text', description: "part of the contact's display name" },
        run: (oc, a) => oc.callContact(text(a)),
      },
      answerCall: { summary: 'accept the alerting call (CSTA AnswerCall)', run: (oc) => oc.answerCall() },
      clearConnection: { summary: 'end the call (CSTA ClearConnection)', run: (oc) => oc.clearConnection() },
      holdCall: { summary: 'hold the connected call (CSTA HoldCall)', run: (oc) => oc.holdCall() },
      generateDigits: {
        summary: 'the dial pad in a connected call: send DTMF digits (CSTA GenerateDigits)',
        arg: { kind: 'text', pattern: /^[0-9*#]+$/, patternName: 'DTMF digits (0-9, *, #)', description: 'the digits, e.g. "1234#"' },
        run: (oc, a) => oc.generateDigits(text(a)),
      },
      retrieveCall: { summary: 'retrieve the held call (CSTA RetrieveCall)', run: (oc) => oc.retrieveCall() },
      consultationCall: {
        summary: 'announced transfer, first half: hold the connected call and call someone (CSTA ConsultationCall)',
        arg: destination,
        run: (oc, a) => oc.consultationCall(text(a)),
      },
      transferCall: { summary: 'announced transfer, second half: join the held call and the connected one (CSTA TransferCall)', run: (oc) => oc.transferCall() },
      startConference: {
        summary: "start a Communicator conference: SERVICE addConference to the pool's focus factory, then join its focus and audio",
        run: (oc) => oc.startConference(),
      },
      inviteToConference: {
        summary: 'invite someone to the conference (an INVITE carrying the focus URI)',
        arg: { kind: 'actor', property: ['sipUri'], literal: { pattern: /^sip:\S+$/, name: 'SIP URI' }, description: 'an actor (their SIP URI) or a SIP URI' },
        run: (oc, a) => oc.inviteToConference(text(a)),
      },
      joinConference: { summary: 'accept the conference invitation: join its focus and audio', run: (oc) => oc.joinConference() },
      leaveConference: { summary: 'leave the conference (BYE to the focus and the audio)', run: (oc) => oc.leaveConference() },
      selectPhone: {
        summary: 'the Phone Selection plug-in: choose the device Communicator controls (a client error without the plug-in)',
        arg: { kind: 'actor', property: ['device'], literal: { pattern: /^SEP[0-9A-F]{12}$/, name: 'device name' }, description: 'an actor (their phone) or a device name' },
        run: (oc, a) => oc.selectPhone(text(a)),
      },
      conferenceCall: {
        summary: 'send CSTA ConferenceCall for the held and the connected call anyway (Communicator 2007 R2 never offers it: see canConference)',
        run: (oc) => oc.conferenceCall(),
      },
      alternateCall: { summary: 'switch between the held call and the connected one (CSTA AlternateCall)', run: (oc) => oc.alternateCall() },
      deflectCall: { summary: 'send the ringing call elsewhere (CSTA DeflectCall)', arg: destination, run: (oc, a) => oc.deflectCall(text(a)) },
      singleStepTransfer: { summary: 'blind transfer of the connected call (CSTA SingleStepTransferCall)', arg: destination, run: (oc, a) => oc.singleStepTransfer(text(a)) },
      setForwarding: { summary: 'forward all calls (CSTA SetForwarding, forwardImmediate)', arg: destination, run: (oc, a) => oc.setForwarding(text(a)) },
      cancelForwarding: { summary: 'cancel call forwarding (CSTA SetForwarding, activateForward false)', run: (oc) => oc.cancelForwarding() },
      setPresence: {
        summary: 'the status menu: publish a state category to the pool ([MS-PRES] SERVICE)',
        arg: { kind: 'enum', values: PRESENCE_STATES, description: 'a Communicator status' },
        run: (oc, a) => {
          const state = text(a);
          return isPresence(state) ? oc.setPresence(state) : Promise.reject(new RangeError(`not a status: ${state}`));
        },
      },
      setConnection: {
        summary: 'Options > Advanced connection settings: automatic configuration (DNS SRV) or the manual pool name',
        arg: { kind: 'enum', values: ['automatic', 'manual'], description: 'automatic or manual' },
        run: async (oc, a) => oc.setConnection(a === 'automatic' ? 'automatic' : 'manual'),
      },
      watch: {
        summary: "add a Cisco user to the contact list: SUBSCRIBE to their presence at CUP (RFC 3856) through the pool",
        arg: contactArg,
        run: (oc, a) => oc.watch(text(a)),
      },
      unwatch: { summary: 'remove the contact: SUBSCRIBE with Expires 0', arg: contactArg, run: (oc, a) => oc.unwatch(text(a)) },
    },
    selectors: {
      contact: { spec: contactArg },
    },
    observations: {
      event: {
        summary: 'an ECMA-323 event the client received, after the last one an earlier step matched',
        value: { kind: 'enum', values: CSTA_EVENT_TYPES, description: 'a CSTA event name' },
        match: 'seen',
        read: (oc) => oc.observe().events.map((e) => e.type),
      },
      error: {
        summary: 'a CSTA error the client received (or "any"), after the last one an earlier step matched',
        value: { kind: 'enum', values: [...CSTA_ERROR_VALUES, 'any'], description: 'a CSTA error value, or any' },
        match: 'seen',
        anyWord: 'any',
        read: (oc) => oc.observe().errors.map((e) => e.value),
      },
      conversation: { summary: 'state of the conversation window', value: { kind: 'enum', values: CONVERSATION_STATES, description: 'conversation state' }, read: (oc) => oc.observe().conversation },
      signedIn: { summary: 'signed in to the pool', value: { kind: 'boolean', description: 'signed in' }, read: (oc) => oc.observe().signedIn },
      rccSession: { summary: 'state of the uaCSTA session with CUP', value: { kind: 'enum', values: RCC_SESSION_STATES, description: 'session state' }, read: (oc) => oc.observe().rccSession },
      signInError: {
        summary: 'what Communicator said when it could not sign in (empty when it could)',
        value: { kind: 'text', description: 'part of the message' },
        match: 'contains',
        read: (oc) => oc.lastSignInError ?? '',
      },
      status: {
        summary: "the user's own status as Communicator shows it: \"In a call\" (inACall) while its RCC conversation is connected or held, else the status the user set",
        value: { kind: 'enum', values: [...PRESENCE_STATES, 'inACall'], description: 'a shown status' },
        read: (oc) => {
          const o = oc.observe();
          return o.signedIn && (o.conversation === 'connected' || o.conversation === 'held') ? 'inACall' : o.presence;
        },
      },
      contactPresence: {
        summary: "what the contact list shows for a watched contact (unknown: no NOTIFY yet, or the subscription ended)",
        value: { kind: 'enum', values: CONTACT_PRESENCE_STATES, description: 'a contact state' },
        read: (oc, s) => oc.contact(String(s.contact ?? '')).presence,
      },
      contactSubscription: {
        summary: "the presence subscription to a contact: none, pending, active, or terminated",
        value: { kind: 'enum', values: WATCH_STATES, description: 'a subscription state' },
        read: (oc, s) => oc.contact(String(s.contact ?? '')).subscription,
      },
      presence: { summary: 'the status the user set and the pool accepted', value: { kind: 'enum', values: PRESENCE_STATES, description: 'a Communicator status' }, read: (oc) => oc.observe().presence },
      conference: {
        summary: 'the focus conference: idle, invited, or joined (focus and audio)',
        value: { kind: 'enum', values: CONFERENCE_STATES, description: 'a conference state' },
        read: (oc) => oc.observe().conference,
      },
      canSelectPhone: {
        summary: 'whether Communicator offers a choice of phone to control (the Phone Selection plug-in, once RCC is active)',
        value: { kind: 'boolean', description: 'offered' },
        read: (oc) => oc.observe().canSelectPhone,
      },
      canConference: {
        summary: 'whether Communicator offers to conference the phone calls (its RCC menu has it and the gateway listed conferenceCall)',
        value: { kind: 'boolean', description: 'offered' },
        read: (oc) => oc.observe().canConference,
      },
      forwarding: {
        summary: 'call forwarding as Communicator shows it (what was set in Communicator)',
        value: { kind: 'enum', values: ['on', 'off'], description: 'on or off' },
        read: (oc) => oc.observe().forwarding,
      },
      caller: {
        summary: 'who the conversation window shows calling (a name from the address book, else the number)',
        value: { kind: 'text', description: 'a case-insensitive part of the caller' },
        match: 'contains',
        read: (oc) => oc.observe().caller,
      },
    },
    describe: (oc) => {
      const o = oc.observe();
      const events = o.events.slice(-6).map((e) => e.type).join(', ');
      const errors = o.errors.slice(-3).map((e) => `${e.request}: ${e.category}/${e.value}`).join(', ');
      const contacts = oc.contacts().map((c) => `${c.userId}:${c.presence}/${c.subscription}`).join(', ');
      return `{ signedIn=${o.signedIn} presence=${o.presence} rccSession=${o.rccSession} conversation=${o.conversation} caller="${o.caller}" events=[${events}] errors=[${errors}]${contacts ? ` contacts=[${contacts}]` : ''} }`;
    },
    tidy: async (oc) => {
      if (oc.observe().signedIn) await oc.signOut();
    },
  },
});


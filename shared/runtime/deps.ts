import type { Catalogue } from '../catalogue/types';
import type { Logger } from '../log/logger';
import type { Clock, ConsoleSignIn, CredentialIssuer, CredentialVault, Notifier, Workflow } from '../ports';
import type {
  ApprovalLinkRepository,
  CredentialStore,
  EventDeduper,
  RequestRepository,
} from '../ports/repositories';
import type { SessionDenies } from '../ports/session-denies';

/** Settings the use cases need, independent of where they came from (env vars or local defaults). */
export interface Settings {
  stage: string;
  /** Base of links in emails: the API's public URL. */
  publicBaseUrl: string;
  groupsClaim: string;
  /** Refuse tokens without `email_verified: true` (the email decides approver rights). */
  requireVerifiedEmail: boolean;
  /** Principals whose AssumeRole calls are the broker's own. */
  issuerPrincipalArns: string[];
  /**
   * Unique ids (AROA...) of the broker's issuer roles: the role-account copy of an AssumeRole is
   * skipped as the broker's own only when its principal id starts with one. Absent: none skipped.
   */
  issuerRoleIds?: string[];
}

/**
 * Every port a use case may name. A type only: no process holds one of these. Each use case takes
 * a Pick of it (the ports it uses) and each function's composition root (functions/*.ts) builds
 * exactly the ports of its use cases.
 */
export interface Deps {
  settings: Settings;
  catalogue: Catalogue;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  requests: RequestRepository;
  links: ApprovalLinkRepository;
  credentials: CredentialStore;
  events: EventDeduper;
  workflow: Workflow;
  notifier: Notifier;
  issuer: CredentialIssuer;
  signIn: ConsoleSignIn;
  vault: CredentialVault;
  /** Ends live sessions of target roles (the ended-sessions deny policy). */
  sessionDenies: SessionDenies;
}

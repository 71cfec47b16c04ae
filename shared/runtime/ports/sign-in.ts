import { createFederationSignIn } from '../../adapters/federation/console-sign-in';
import type { Deps } from '../deps';

/** Console sign-in URLs from AWS's federation endpoint. */
export const signInPort = (): Deps['signIn'] => createFederationSignIn();

/**
 * How the broker mails people (approvers' links, requesters' outcomes), from the serverless
 * params, validated at package time:
 *
 *   ${file(infra/mail-deploy.cjs):approvalMail}   `ses` (default) or `sns`
 *   ${file(infra/mail-deploy.cjs):mailFrom}       the From address (ses); a placeholder is refused at deploy
 *   ${file(infra/mail-deploy.cjs):sesIdentity}    the verified SES identity ses:SendEmail is granted on
 *                                                 (param sesIdentity, else the domain of mailFrom)
 *   ${file(infra/mail-deploy.cjs):sesConfigurationSet} the optional configuration set name
 *
 * CommonJS: osls loads `${file(x.cjs):key}` with require() and package.json says "type": "module".
 */
'use strict';

const { param } = require('./catalogue-deploy.cjs');

const DELIVERIES = ['ses', 'sns'];
/** A plain address (no display name): what FromEmailAddress and the ses:FromAddress condition hold. */
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$/;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const CONFIGURATION_SET = /^[A-Za-z0-9_-]{1,64}$/;
const PLACEHOLDER = /(^|[.@])example\.invalid$/i;

const isDeploy = (argv = process.argv) => argv.slice(2).some((arg) => arg === 'deploy');

function parseDelivery(value) {
  const text = String(value == null ? '' : value).trim() || 'ses';
  if (!DELIVERIES.includes(text)) throw new Error(`param approvalMail: "${text}" must be ses or sns`);
  return text;
}

/** The From address; refused at deploy while it is the offline placeholder and mail goes through SES. */
function parseMailFrom(value, delivery, argv = process.argv) {
  const text = String(value == null ? '' : value).trim();
  if (!ADDRESS.test(text)) throw new Error(`param mailFrom: "${text}" must be a plain email address (no display name), of a verified SES identity`);
  if (delivery === 'ses' && isDeploy(argv) && PLACEHOLDER.test(text)) {
    throw new Error(
      `param mailFrom is "${text}", a placeholder: deploy with --param="mailFrom=access-broker@your-domain" ` +
        '(an address of an SES identity verified in this account and region; see docs/deploy.md), or with --param="approvalMail=sns"',
    );
  }
  return text;
}

/** The identity ses:SendEmail is granted on: the param, else the domain of mailFrom. */
function parseSesIdentity(value, mailFrom) {
  const text = String(value == null ? '' : value).trim();
  if (text === '') return ADDRESS.exec(mailFrom)[1].toLowerCase();
  if (!ADDRESS.test(text) && !DOMAIN.test(text)) throw new Error(`param sesIdentity: "${text}" must be a verified SES identity: an email address or a domain`);
  const domain = ADDRESS.exec(mailFrom)[1].toLowerCase();
  const covers = text.includes('@') ? text.toLowerCase() === mailFrom.toLowerCase() : domain === text.toLowerCase() || domain.endsWith(`.${text.toLowerCase()}`);
  if (!covers) throw new Error(`param sesIdentity: "${text}" is not mailFrom "${mailFrom}" nor its domain`);
  return text;
}

function parseConfigurationSet(value) {
  const text = String(value == null ? '' : value).trim();
  if (text !== '' && !CONFIGURATION_SET.test(text)) throw new Error(`param sesConfigurationSet: "${text}" must be an SES configuration set name (letters, digits, _ and -, at most 64)`);
  return text;
}

async function mailParams(resolveVariable) {
  const delivery = parseDelivery(await param(resolveVariable, 'approvalMail'));
  const mailFrom = parseMailFrom(await param(resolveVariable, 'mailFrom'), delivery);
  return {
    delivery,
    mailFrom,
    sesIdentity: parseSesIdentity(await param(resolveVariable, 'sesIdentity'), mailFrom),
    sesConfigurationSet: parseConfigurationSet(await param(resolveVariable, 'sesConfigurationSet')),
  };
}

module.exports = {
  approvalMail: async ({ resolveVariable }) => (await mailParams(resolveVariable)).delivery,
  mailFrom: async ({ resolveVariable }) => (await mailParams(resolveVariable)).mailFrom,
  sesIdentity: async ({ resolveVariable }) => (await mailParams(resolveVariable)).sesIdentity,
  sesConfigurationSet: async ({ resolveVariable }) => (await mailParams(resolveVariable)).sesConfigurationSet,
  // For tests.
  parseDelivery,
  parseMailFrom,
  parseSesIdentity,
  parseConfigurationSet,
};

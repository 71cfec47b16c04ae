import { describe, expect, it } from 'vitest';
import { createLocalConsolePreview, renderConsolePreview } from '../../local/console-preview';
import { createLocalStsStandin } from '../../local/sts-standin';
import type { IssueCredentialsInput } from '../../shared/ports';

const POLICY = '{"Version":"2012-10-17","Statement":[{"Sid":"EC2","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}';
const DESTINATION = 'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#LoadBalancers:';

function setup() {
  let now = new Date('2025-03-01T10:00:00.000Z');
  const clock = { now: () => now };
  const sts = createLocalStsStandin({ clock });
  const preview = createLocalConsolePreview({
    baseUrl: 'http://localhost:3000/',
    lookup: (id) => sts.lastAssumeRole(id),
    clock,
  });
  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  return { sts, preview, advance };
}

const input = (overrides: Partial<IssueCredentialsInput> = {}): IssueCredentialsInput => ({
  request: {
    id: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D',
    requester: { sub: 'u-1', email: 'mallory<script>@example.com' },
    roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
    account: '111111111111',
    services: ['ec2', 'loadbalancers'],
    target: 'sandbox-readonly',
  },
  sessionPolicy: POLICY,
  durationSeconds: 3600,
  issuer: 'chained',
  ...overrides,
});

describe('local console preview', () => {
  it('hands out a local link with an opaque id, never the credentials', async () => {
    const { sts, preview } = setup();
    const credentials = await sts.issue(input());
    const url = await preview.signInUrl({ credentials, destination: DESTINATION, partition: 'aws', issuer: 'http://localhost:3000' });
    expect(url).toMatch(/^http:\/\/localhost:3000\/_local\/console\?session=[A-Za-z0-9_-]{24}$/);
    expect(url).not.toContain(credentials.accessKeyId);
    expect(url).not.toContain(credentials.secretAccessKey);
  });

  it('shows the role, account, pretty-printed policy, destination and expiry, escaped', async () => {
    const { sts, preview } = setup();
    const credentials = await sts.issue(input());
    const url = await preview.signInUrl({ credentials, destination: DESTINATION, partition: 'aws', issuer: 'http://localhost:3000' });
    const id = new URL(url).searchParams.get('session')!;
    const page = preview.page(id);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('arn:aws:iam::111111111111:role/BrokerReadOnly');
    expect(page.body).toContain('<th>Account</th><td>111111111111</td>');
    expect(page.body).toContain('&quot;Action&quot;: &quot;ec2:Describe*&quot;');
    expect(page.body).toContain(DESTINATION);
    expect(page.body).toContain('<th>Credentials expire</th><td>2025-03-01T11:00:00.000Z</td>');
    expect(page.body).toContain('not sent (role-chained credentials');
    expect(page.body).toContain('<th>Sign-in host</th><td>signin.aws.amazon.com</td>');
    expect(page.body).not.toContain(credentials.secretAccessKey);
    expect(page.body).not.toContain(credentials.sessionToken);
    expect(page.body).not.toContain('<script>');
  });

  it('shows the SessionDuration a user-mode sign-in would send', async () => {
    const { sts, preview } = setup();
    const credentials = await sts.issue(input({ issuer: 'user', durationSeconds: 7200 }));
    const url = await preview.signInUrl({ credentials, destination: DESTINATION, partition: 'aws', issuer: 'x' });
    const info = preview.session(new URL(url).searchParams.get('session')!);
    expect(info?.sessionDurationSeconds).toBe(7200);
    expect(info?.chained).toBe(false);
  });

  it('expires a preview after 15 minutes', async () => {
    const { sts, preview, advance } = setup();
    const credentials = await sts.issue(input());
    const url = await preview.signInUrl({ credentials, destination: DESTINATION, partition: 'aws', issuer: 'x' });
    const id = new URL(url).searchParams.get('session')!;
    advance(899);
    expect(preview.session(id)).toBeDefined();
    advance(1);
    expect(preview.session(id)).toBeUndefined();
    expect(preview.page(id).statusCode).toBe(404);
    expect(preview.page(undefined).statusCode).toBe(404);
  });

  it('fails like the real endpoint for expired credentials and unknown partitions', async () => {
    const { sts, preview, advance } = setup();
    const credentials = await sts.issue(input({ durationSeconds: 900 }));
    await expect(
      preview.signInUrl({ credentials, destination: DESTINATION, partition: 'aws-iso', issuer: 'x' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    advance(900);
    await expect(
      preview.signInUrl({ credentials, destination: DESTINATION, partition: 'aws', issuer: 'x' }),
    ).rejects.toMatchObject({ code: 'FEDERATION_FAILED' });
  });

  it('renders a page even when the stand-in no longer knows the key', () => {
    const html = renderConsolePreview({
      sessionId: 's',
      partition: 'aws',
      signInHost: 'signin.aws.amazon.com',
      issuer: 'i',
      destination: 'https://console.aws.amazon.com/iam/home?"><img src=x>',
      chained: true,
      accessKeyId: 'ASIALOCALAAAAAAAAAAA',
      credentialsExpireAt: '2025-03-01T11:00:00.000Z',
      linkExpiresAt: '2025-03-01T10:15:00.000Z',
    });
    expect(html).toContain('(unknown: the STS stand-in no longer has this session)');
    expect(html).not.toContain('<img');
    expect(html).toContain('&quot;&gt;&lt;img src=x&gt;');
  });
});

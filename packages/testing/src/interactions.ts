import type { IncomingMessage, ServerResponse } from 'node:http'
import { errors } from './oidc-provider.js'
import type { Interaction, Provider } from 'oidc-provider'
import { escapeHtml, page } from './html.js'
import type { DevUser } from './types.js'
import type { UserDirectory } from './users.js'

const LOGIN_TITLE = 'oidc-rp dev provider — sign in'

const ROUTE = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/

/** Where oidc-provider sends the browser to sign in (`interactions.url`). */
export function interactionPath(uid: string): string {
  return `/interaction/${uid}`
}

/** Where the login page posts the chosen user (field `user`). */
export function loginActionPath(uid: string): string {
  return `${interactionPath(uid)}/login`
}

/** The interaction uid when `pathname` is a login page, for `signIn`. */
export function loginPageUid(pathname: string): string | undefined {
  const match = ROUTE.exec(pathname)
  return match?.[2] === undefined ? match?.[1] : undefined
}

/**
 * The login pages, in front of oidc-provider: `GET /interaction/:uid` lists the users, `POST
 * /interaction/:uid/login` completes the login prompt. Returns `false` for any other path.
 */
export function handleInteraction(
  provider: Provider,
  users: UserDirectory,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const match = ROUTE.exec(new URL(req.url ?? '/', 'http://localhost').pathname)
  const uid = match?.[1]
  if (!match || !uid) return false
  const isLogin = match[2] !== undefined
  if (!isLogin && (req.method === 'GET' || req.method === 'HEAD')) {
    void guarded(res, () => showLogin(provider, users, uid, req, res))
  } else if (isLogin && req.method === 'POST') {
    void guarded(res, () => submitLogin(provider, users, uid, req, res))
  } else {
    res.setHeader('allow', isLogin ? 'POST' : 'GET, HEAD')
    send(res, 405, errorPage('Method not allowed', 'Use the sign-in page.'))
  }
  return true
}

async function showLogin(
  provider: Provider,
  users: UserDirectory,
  uid: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const interaction = await pendingInteraction(provider, uid, req, res)
  if (!interaction) return
  if (interaction.prompt.name === 'consent') {
    await grantConsent(provider, interaction, req, res)
    return
  }
  const clientId = typeof interaction.params['client_id'] === 'string' ? interaction.params['client_id'] : ''
  const scope = typeof interaction.params['scope'] === 'string' ? interaction.params['scope'] : ''
  send(res, 200, loginPage(uid, clientId, scope, users.list()))
}

async function submitLogin(
  provider: Provider,
  users: UserDirectory,
  uid: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const form = await readForm(req)
  const interaction = await pendingInteraction(provider, uid, req, res)
  if (!interaction) return
  if (interaction.prompt.name !== 'login') {
    send(
      res,
      400,
      errorPage(
        'Already signed in',
        'This sign-in request does not need a user any more. Start again from the application.',
      ),
    )
    return
  }
  const userId = form.get('user') ?? ''
  if (!users.get(userId)) {
    send(
      res,
      400,
      errorPage('Unknown user', `There is no user "${userId}" at this provider. Go back and pick one from the list.`),
    )
    return
  }
  await provider.interactionFinished(req, res, { login: { accountId: userId } }, { mergeWithLastSubmission: false })
}

/**
 * Consent is normally granted before it is asked for (loadExistingGrant in provider.ts); an
 * RP that sends `prompt=consent` (for `offline_access`, say) still gets here, and everything
 * it asked for is granted without a page.
 */
async function grantConsent(provider: Provider, interaction: Interaction, req: IncomingMessage, res: ServerResponse) {
  const { details } = interaction.prompt
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined
  const grant =
    existing ??
    new provider.Grant({ accountId: interaction.session?.accountId, clientId: String(interaction.params['client_id']) })
  const scopes = strings(details['missingOIDCScope'])
  if (scopes.length) grant.addOIDCScope(scopes)
  const claims = strings(details['missingOIDCClaims'])
  if (claims.length) grant.addOIDCClaims(claims)
  const resources = details['missingResourceScopes']
  if (resources && typeof resources === 'object') {
    for (const [indicator, scope] of Object.entries(resources)) grant.addResourceScope(indicator, strings(scope))
  }
  const grantId = await grant.save()
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/** The pending interaction for `uid`, or `undefined` after answering with an error page. */
async function pendingInteraction(
  provider: Provider,
  uid: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Interaction | undefined> {
  let interaction: Interaction
  try {
    interaction = await provider.interactionDetails(req, res)
  } catch (error) {
    if (error instanceof errors.SessionNotFound) {
      send(
        res,
        400,
        errorPage(
          'Sign-in expired',
          'This sign-in request is unknown or has expired. Start again from the application.',
        ),
      )
      return undefined
    }
    throw error
  }
  if (interaction.uid !== uid) {
    send(
      res,
      400,
      errorPage('Sign-in mismatch', 'This page belongs to another sign-in request. Start again from the application.'),
    )
    return undefined
  }
  if (interaction.prompt.name !== 'login' && interaction.prompt.name !== 'consent') {
    send(
      res,
      400,
      errorPage(
        'Unexpected prompt',
        `The provider asked for "${interaction.prompt.name}", which this dev provider does not handle.`,
      ),
    )
    return undefined
  }
  return interaction
}

function loginPage(uid: string, clientId: string, scope: string, users: DevUser[]): string {
  const action = escapeHtml(loginActionPath(uid))
  const buttons = users.map((user) => {
    const badges = user.groups.length
      ? user.groups.map((group) => `<span class="badge">${escapeHtml(group)}</span>`).join('')
      : '<span class="badge none">no groups</span>'
    return `<form method="post" action="${action}">
<input type="hidden" name="user" value="${escapeHtml(user.id)}">
<button type="submit"><span class="name">${escapeHtml(user.name)}</span><span class="email">${escapeHtml(user.email)} · <span class="id">${escapeHtml(user.id)}</span></span><span class="badges">${badges}</span></button>
</form>`
  })
  const to = clientId ? ` to <code>${escapeHtml(clientId)}</code>` : ''
  const scopes = scope ? ` Requested scope: <code>${escapeHtml(scope)}</code>.` : ''
  return page(
    LOGIN_TITLE,
    `<h1>Sign in${to}</h1>
<p>Pick a user: one click signs you in. There are no passwords.</p>
${buttons.join('\n')}
<p class="note">oidc-rp dev provider, for development and tests only.${scopes}</p>`,
  )
}

function errorPage(heading: string, message: string): string {
  return page(`oidc-rp dev provider — ${heading}`, `<h1>${escapeHtml(heading)}</h1>\n<p>${escapeHtml(message)}</p>`)
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
  res.setHeader('x-content-type-options', 'nosniff')
  res.end(html)
}

async function guarded(res: ServerResponse, run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (error) {
    if (res.headersSent) {
      res.destroy()
      return
    }
    const message = error instanceof Error ? error.message : String(error)
    send(res, error instanceof PayloadError ? 413 : 500, errorPage('Error', message))
  }
}

class PayloadError extends Error {}

const MAX_FORM_BYTES = 16 * 1024

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buffer.length
    if (size > MAX_FORM_BYTES) throw new PayloadError('The form is too large.')
    chunks.push(buffer)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

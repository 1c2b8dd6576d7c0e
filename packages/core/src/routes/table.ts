/** The routes the relying party answers itself (login, callback, logout, back-channel logout), less those turned off. */
import type { CookieSigner } from '../http/cookies.js'
import type { HttpRequest, HttpResponse, SetCookie } from '../http/types.js'
import { backchannelLogout } from './backchannel-logout.js'
import { callback } from './callback.js'
import type { RouteDeps } from './deps.js'
import { login } from './login.js'
import { logout } from './logout.js'
import { signInFailed } from './sign-in.js'

/** A route the relying party answers itself: adapters that route by path and method mount these. */
export interface Route {
  readonly path: string
  readonly methods: readonly string[]
}

export interface MountedRoute extends Route {
  answer(request: HttpRequest, setCookie: SetCookie): Promise<HttpResponse>
}

/** The mounted routes, built once at construction. */
export function routeTable(deps: RouteDeps, signer: CookieSigner): MountedRoute[] {
  const { config } = deps
  const { routes } = config
  const table: MountedRoute[] = [
    {
      path: routes.login,
      methods: ['GET', 'HEAD'],
      answer: (request, setCookie) => login({ ...deps, signer }, request, setCookie),
    },
    {
      path: routes.callback,
      methods: ['GET', 'POST'],
      answer: (request, setCookie) =>
        callback(deps, request, setCookie).catch((err: unknown) => signInFailed(config, err)),
    },
    {
      path: routes.logout,
      methods: ['GET', 'POST'],
      answer: (request, setCookie) => logout(deps, request, setCookie),
    },
    { path: routes.backchannelLogout, methods: ['POST'], answer: (request) => backchannelLogout(deps, request) },
  ]
  return table.filter((route) => !config.routesOff.some((off) => routes[off] === route.path))
}

/**
 * The request surface is typed by module augmentation, the same in every framework.
 * These assertions are checked by `tsc` (pnpm typecheck); at run time they only prove the
 * handlers below are what the frameworks accept.
 */
import { describe, expectTypeOf, it } from 'vitest'
import type { Request } from 'express'
import type { FastifyRequest } from 'fastify'
import type { Context } from 'koa'
import type { AccessToken, Claims, OidcContext } from '@oidc-rp/core'
import * as expressAdapter from '@oidc-rp/express'
import * as fastifyAdapter from '@oidc-rp/fastify'
import * as koaAdapter from '@oidc-rp/koa'

describe('types', () => {
  it('put the same OidcContext on the request of every framework', () => {
    expectTypeOf<Request['oidc']>().toEqualTypeOf<OidcContext>()
    expectTypeOf<FastifyRequest['oidc']>().toEqualTypeOf<OidcContext>()
    expectTypeOf<Context['state']['oidc']>().toEqualTypeOf<OidcContext>()
  })

  it('describe the surface precisely, with no any', () => {
    expectTypeOf<OidcContext['user']>().toEqualTypeOf<Claims | undefined>()
    expectTypeOf<Claims['sub']>().toEqualTypeOf<string>()
    expectTypeOf<OidcContext['groups']>().toEqualTypeOf<string[]>()
    expectTypeOf<OidcContext['accessToken']>().toEqualTypeOf<AccessToken | undefined>()
    expectTypeOf<OidcContext['isAuthenticated']>().returns.toEqualTypeOf<boolean>()
    expectTypeOf<OidcContext['refresh']>().returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf<OidcContext['fetchUserInfo']>().returns.toEqualTypeOf<Promise<Claims>>()
    expectTypeOf<OidcContext['user']>().not.toBeAny()
  })

  it('give each adapter the same guards and options', () => {
    for (const adapter of [expressAdapter, fastifyAdapter, koaAdapter]) {
      expectTypeOf(adapter.requireGroup).parameters.toEqualTypeOf<string[]>()
      expectTypeOf(adapter.requireClaims).parameter(0).toEqualTypeOf<(claims: Claims) => boolean>()
    }
    expectTypeOf(expressAdapter.oidc).parameter(0).toEqualTypeOf<expressAdapter.OidcOptions | undefined>()
    expectTypeOf(koaAdapter.oidc).parameter(0).toEqualTypeOf<koaAdapter.OidcOptions | undefined>()
  })
})

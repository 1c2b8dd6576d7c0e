/**
 * The request surface is typed by module augmentation, the same in every framework.
 * These assertions are checked by `tsc` (pnpm typecheck); at run time they only prove the
 * handlers below are what the frameworks accept.
 */
import { describe, expectTypeOf, it } from 'vitest'
import type { Request } from 'express'
import type { FastifyRequest } from 'fastify'
import type { Context } from 'koa'
import type {
  AccessToken,
  Claims,
  OidcContext,
  OidcEvent,
  OnRefresh,
  OnSignIn,
  SignInContext,
  SignInRefused,
  User,
} from '@oidc-rp/core'
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
    expectTypeOf<OidcContext['user']>().toEqualTypeOf<User | undefined>()
    expectTypeOf<Claims['sub']>().toEqualTypeOf<string>()
    expectTypeOf<OidcContext['groups']>().toEqualTypeOf<string[]>()
    expectTypeOf<OidcContext['accessToken']>().toEqualTypeOf<AccessToken | undefined>()
    expectTypeOf<OidcContext['refresh']>().returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf<OidcContext['fetchUserInfo']>().returns.toEqualTypeOf<Promise<Claims>>()
    expectTypeOf<OidcContext['user']>().not.toBeAny()
  })

  it('narrow user once isAuthenticated() holds, and only then', () => {
    const name = (oidc: OidcContext): string => {
      // @ts-expect-error user may be undefined before the check
      const before: string = oidc.user.sub
      if (!oidc.isAuthenticated()) return before
      expectTypeOf(oidc.user).toEqualTypeOf<User>()
      return oidc.user.sub
    }
    expectTypeOf(name).returns.toEqualTypeOf<string>()
  })

  it('give each adapter the same guards and options', () => {
    for (const adapter of [expressAdapter, fastifyAdapter, koaAdapter]) {
      expectTypeOf(adapter.requireGroup).parameters.toEqualTypeOf<expressAdapter.GroupArgs>()
      expectTypeOf(adapter.requiresAuth).parameter(0).toEqualTypeOf<expressAdapter.StepUpOptions | undefined>()
      expectTypeOf(adapter.requireClaims).parameter(0).toEqualTypeOf<(claims: Claims) => boolean>()
    }
    expectTypeOf(expressAdapter.oidc).parameter(0).toEqualTypeOf<expressAdapter.OidcOptions | undefined>()
    expectTypeOf(koaAdapter.oidc).parameter(0).toEqualTypeOf<koaAdapter.OidcOptions | undefined>()
  })

  it('export the hook, event and error types from each adapter, by name, the same as the core', () => {
    expectTypeOf<expressAdapter.OnSignIn>().toEqualTypeOf<OnSignIn>()
    expectTypeOf<fastifyAdapter.OnRefresh>().toEqualTypeOf<OnRefresh>()
    expectTypeOf<koaAdapter.OidcEvent>().toEqualTypeOf<OidcEvent>()
    expectTypeOf<expressAdapter.RenderError>().toEqualTypeOf<fastifyAdapter.RenderError>()
    expectTypeOf<koaAdapter.SignInContext['claims']>().toEqualTypeOf<Readonly<Claims>>()
    for (const adapter of [expressAdapter, fastifyAdapter, koaAdapter])
      expectTypeOf(adapter.refuse).returns.toEqualTypeOf<SignInRefused>()
  })

  it('type a hook: claims to keep, a refusal, or nothing; never a string', () => {
    const keep: OnSignIn = ({ claims }) => ({ ...claims, roles: ['owner'] })
    const refuseIt: OnSignIn = () => expressAdapter.refuse('no', 'No.')
    const nothing: OnSignIn = async () => {}
    // @ts-expect-error the claims to keep are an object with sub, not a string
    const wrong: OnSignIn = () => 'alice'
    expectTypeOf([keep, refuseIt, nothing, wrong]).items.toEqualTypeOf<OnSignIn>()
    // The tokens are usable, typed
    expectTypeOf<SignInContext['tokens']['accessToken']>().toEqualTypeOf<string | undefined>()
  })

  it('tell events apart by type', () => {
    const reason = (event: OidcEvent): string | undefined => {
      if (event.type === 'signInRefused') {
        expectTypeOf(event.providerError).toEqualTypeOf<string | undefined>()
        return event.reason
      }
      if (event.type === 'sessionEnded') {
        expectTypeOf(event.reason).toEqualTypeOf<
          'idle_timeout' | 'absolute_timeout' | 'refresh_refused' | 'refused_by_hook'
        >()
        return event.reason
      }
      return undefined
    }
    expectTypeOf(reason).returns.toEqualTypeOf<string | undefined>()
  })
})

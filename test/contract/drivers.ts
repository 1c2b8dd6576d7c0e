import type { Driver } from './driver.js'
import { express4Driver, express5Driver } from './drivers/express.js'
import { fastifyDriver } from './drivers/fastify.js'
import { koa2Driver, koa3Driver } from './drivers/koa.js'

export type { AppExtras, AppOptions, Driver, RunningApp } from './driver.js'

const all: Driver[] = [express5Driver, express4Driver, fastifyDriver, koa3Driver, koa2Driver]

/** Every adapter's driver; CONTRACT_DRIVERS=express,koa narrows the run. */
export const drivers: Driver[] = selected(all, process.env['CONTRACT_DRIVERS'])

function selected(candidates: Driver[], filter: string | undefined): Driver[] {
  if (filter === undefined || filter.trim() === '') return candidates
  const names = new Set(filter.split(',').map((name) => name.trim()))
  return candidates.filter((driver) => names.has(driver.name))
}

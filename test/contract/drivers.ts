import type { Driver } from './driver.js'
import { expressDriver } from './drivers/express.js'
import { fastifyDriver } from './drivers/fastify.js'
import { koaDriver } from './drivers/koa.js'

export type { AppOptions, Driver, RunningApp } from './driver.js'

const all: Driver[] = [expressDriver, fastifyDriver, koaDriver]

/** Every adapter's driver; CONTRACT_DRIVERS=express,koa narrows the run. */
export const drivers: Driver[] = selected(all, process.env['CONTRACT_DRIVERS'])

function selected(candidates: Driver[], filter: string | undefined): Driver[] {
  if (filter === undefined || filter.trim() === '') return candidates
  const names = new Set(filter.split(',').map((name) => name.trim()))
  return candidates.filter((driver) => names.has(driver.name))
}

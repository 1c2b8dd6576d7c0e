// The Redis launchers live beside the Redis store's tests, which must not import from here.
export * from '../../packages/redis/test/support/redis-server.js'

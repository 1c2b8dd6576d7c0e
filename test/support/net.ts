// The loopback port helper lives beside the Redis store's tests, which must not import from here.
export * from '../../packages/redis/test/support/net.js'

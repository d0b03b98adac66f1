export { createUpstashScriptRedis, type ScriptRedis } from "./script-redis.server";
export { closeRedisClient, createSendRateRedisClient, ioredisScriptRedis, scriptForStockRedis } from "./ioredis.server";

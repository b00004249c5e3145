export { rankLocal } from './rank-local.ts'

/**
 * oidc-provider, loaded without its "Unsupported runtime" warning: it asks for Node 22 LTS
 * and prints that line on every start under Node 20, which this package supports and tests
 * (>= 20.19). Imports are evaluated in order, so quiet-warnings.js holds the line back
 * before oidc-provider runs, and this module's body runs after it.
 */
import { restore } from './quiet-warnings.js'
import { Provider, errors } from 'oidc-provider'

restore()

export { Provider, errors }

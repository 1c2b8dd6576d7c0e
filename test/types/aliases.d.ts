// Older majors installed under aliases, to run the contract suite against them too.
declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}

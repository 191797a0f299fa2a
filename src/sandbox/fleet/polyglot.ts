import { poetryContentHash } from '../github/ci-build.js';
import type { CiProfile } from '../github/state.js';
import { goSum, npmLockfile, pnpmLockfile, yarnLockfile } from './lockfiles.js';
import { createRandom } from './random.js';
import { sharedDocs, sharedConfigs } from './repo-content.js';

/**
 * The other half of a polyglot fleet: Java (Maven, Gradle), Python (requirements, PEP 621,
 * Poetry) and Go services, an npm-workspaces monorepo, and the lockfiles of the Node services
 * (package-lock.json mostly, some yarn.lock and pnpm-lock.yaml), each file as its tool writes it.
 * Everything here comes from its own seeded stream, so the Node services' ground truth is that
 * of a Node-only fleet.
 */

export type FleetEcosystem = 'npm' | 'yarn' | 'pnpm' | 'maven' | 'gradle' | 'python' | 'go';
export type FleetLanguage = 'TypeScript' | 'JavaScript' | 'Java' | 'Kotlin' | 'Python' | 'Go';

/**
 * The library each ecosystem's demo campaign moves, with the versions the fleet starts from and
 * the one the campaign asks for; every version is in the local registries' catalogs where the
 * ecosystem has one (npm, Go).
 */
export const POLYGLOT_LIBRARIES = {
  maven: { package: 'com.fasterxml.jackson.core:jackson-databind', old: ['2.13.4.2', '2.14.2', '2.15.2'], target: '2.17.2' },
  gradle: { package: 'com.fasterxml.jackson.core:jackson-databind', old: ['2.13.4.2', '2.14.2', '2.15.2'], target: '2.17.2' },
  python: { package: 'requests', old: ['2.28.2', '2.31.0'], target: '2.32.3' },
  go: { package: 'github.com/sirupsen/logrus', old: ['v1.8.1', 'v1.9.0'], target: 'v1.9.3' },
} as const;

/** What a polyglot repository is made of, before the fleet's common fields are added. */
export interface PolyglotRepo {
  name: string;
  team: string;
  ecosystem: FleetEcosystem;
  language: FleetLanguage;
  files: Record<string, string | Uint8Array>;
  topics: string[];
  criticality: number;
  ci: CiProfile;
  /** The demo library (POLYGLOT_LIBRARIES, or lodash in the monorepo) and the version the repository has. */
  library: { package: string; version: string };
  /** Set for the monorepo: where lodash sits (a workspace package). */
  lodash: { block: 'dependencies' | 'devDependencies'; version: string; path: string } | null;
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const pascal = (text: string): string => text.split(/[-/_]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
const javaPackage = (name: string): string => `com.acme.${name.replace(/[^a-z0-9]/g, '')}`;
const pythonPackage = (name: string): string => name.replace(/[^a-z0-9]+/g, '_');

const NOUNS = ['account', 'invoice', 'payment', 'order', 'customer', 'session', 'ledger', 'refund', 'report', 'queue', 'metric', 'event', 'price', 'shipment', 'audit', 'export', 'schedule', 'upload', 'feature', 'limit'];
const KINDS = ['service', 'repository', 'handler', 'mapper', 'client', 'store', 'policy', 'worker'];

// -------------------------------------------------------------------------------------------
// CI workflows: each ecosystem's usual steps, some actions pinned by commit sha (with the tag as a comment).

const ACTIONS: Record<string, { tag: string; sha: string }> = {
  'actions/checkout': { tag: 'v4.1.1', sha: 'b4ffde65f46336ab88eb53be808477a3936bae11' },
  'actions/setup-java': { tag: 'v4.0.0', sha: '387ac29b308b003ca37ba93a6cab5eb57c8f5f93' },
  'actions/setup-python': { tag: 'v5.0.0', sha: '0a5c61591373683505ea898e09a3ea4f39ef2b9c' },
  'actions/setup-go': { tag: 'v5.0.0', sha: '0c52d547c9bc32b1aa3301fd7a9cb496313a4491' },
  'actions/setup-node': { tag: 'v4.0.1', sha: 'b39b52d1213e96004bfcb1c61a8a6fa8ab84f3e8' },
  'pnpm/action-setup': { tag: 'v4.0.0', sha: 'fe02b34f77f8bc703788d5817da081398fad5dd2' },
  'gradle/actions/setup-gradle': { tag: 'v3.1.0', sha: '417ae3ccd767c252f5661f1ace9f835f9654f2b5' },
};

function uses(action: string, pinned: boolean): string {
  const [owner = '', repo = ''] = action.split('/');
  const ref = ACTIONS[action] ?? { tag: 'v4', sha: '' };
  return pinned ? `${action}@${ref.sha} # ${ref.tag}` : `${owner}/${repo}${action.split('/').slice(2).map((part) => `/${part}`).join('')}@${ref.tag.split('.')[0] ?? ref.tag}`;
}

function ciWorkflow(ecosystem: FleetEcosystem, pinned: boolean, checks: readonly string[]): string {
  const setup: Record<FleetEcosystem, string[]> = {
    npm: [`- uses: ${uses('actions/setup-node', pinned)}`, '  with:', '    node-version: 20', '    cache: npm', '- run: npm ci'],
    yarn: [`- uses: ${uses('actions/setup-node', pinned)}`, '  with:', '    node-version: 20', '    cache: yarn', '- run: yarn install --frozen-lockfile'],
    pnpm: [`- uses: ${uses('pnpm/action-setup', pinned)}`, '  with:', '    version: 9', `- uses: ${uses('actions/setup-node', pinned)}`, '  with:', '    node-version: 20', '    cache: pnpm', '- run: pnpm install --frozen-lockfile'],
    maven: [`- uses: ${uses('actions/setup-java', pinned)}`, '  with:', '    distribution: temurin', '    java-version: 17', '    cache: maven'],
    gradle: [`- uses: ${uses('actions/setup-java', pinned)}`, '  with:', '    distribution: temurin', '    java-version: 17', `- uses: ${uses('gradle/actions/setup-gradle', pinned)}`],
    python: [`- uses: ${uses('actions/setup-python', pinned)}`, '  with:', "    python-version: '3.11'", '    cache: pip'],
    go: [`- uses: ${uses('actions/setup-go', pinned)}`, '  with:', '    go-version-file: go.mod'],
  };
  const run: Record<FleetEcosystem, Record<string, string>> = {
    npm: { build: 'npm run build', test: 'npm test', lint: 'npm run lint' },
    yarn: { build: 'yarn build', test: 'yarn test', lint: 'yarn lint' },
    pnpm: { build: 'pnpm build', test: 'pnpm test', lint: 'pnpm lint' },
    maven: { build: 'mvn -B -ntp package -DskipTests', test: 'mvn -B -ntp verify', lint: 'mvn -B -ntp spotless:check' },
    gradle: { build: './gradlew assemble', test: './gradlew test', lint: './gradlew spotlessCheck' },
    python: { build: 'python -m pip install -r requirements.txt && python -m compileall -q src', test: 'python -m pytest', lint: 'python -m ruff check .' },
    go: { build: 'go build ./...', test: 'go test ./...', lint: 'go vet ./...' },
  };
  const jobs = checks.map((check) => {
    const steps = [`- uses: ${uses('actions/checkout', pinned)}`, ...setup[ecosystem], `- run: ${run[ecosystem][check] ?? check}`];
    return `  ${check}:\n    runs-on: ubuntu-latest\n    steps:\n${steps.map((step) => `      ${step}`).join('\n')}\n`;
  });
  return `name: ci\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n${jobs.join('')}`;
}

/** The workflow of a Node service whose lockfile is yarn's or pnpm's (npm's keeps the Node fleet's own). */
export function nodeWorkflow(ecosystem: 'yarn' | 'pnpm', checks: readonly string[]): string {
  return ciWorkflow(ecosystem, false, checks);
}

// -------------------------------------------------------------------------------------------
// Node: lockfiles for the Node fleet's services, and the workspace monorepo.

/**
 * The lockfile a Node service carries in a polyglot fleet, for its package.json as generated:
 * `package-lock.json` (about 70%), `yarn.lock` (yarn 1) or `pnpm-lock.yaml`. `forced` picks one;
 * `yarnRegistry` is the registry yarn.lock's `resolved` URLs name.
 */
export function nodeLockfile(random: Random, manifest: Record<string, unknown>, options: { forced?: 'npm' | 'yarn' | 'pnpm' | undefined; yarnRegistry?: string | undefined } = {}): { ecosystem: 'npm' | 'yarn' | 'pnpm'; files: Record<string, string> } {
  const roll = random();
  const ecosystem = options.forced ?? (roll < 0.7 ? 'npm' : roll < 0.85 ? 'yarn' : 'pnpm');
  const manifests = { '': manifest };
  if (ecosystem === 'yarn') return { ecosystem, files: { 'yarn.lock': yarnLockfile(manifests, options.yarnRegistry ? { registry: options.yarnRegistry } : {}) } };
  if (ecosystem === 'pnpm') return { ecosystem, files: { 'pnpm-lock.yaml': pnpmLockfile(manifests) } };
  return { ecosystem, files: { 'package-lock.json': npmLockfile({ manifests }) } };
}

const OLD_LODASH = ['4.17.4', '4.17.11', '4.17.15', '4.17.19', '4.17.20'];

function monorepo(random: Random, input: { org: string; name: string; team: string }): PolyglotRepo {
  const scope = `@${input.org}`;
  const lodash = pick(random, OLD_LODASH);
  const manifests: Record<string, Record<string, unknown>> = {
    '': { name: `${scope}/${input.name}`, version: '0.0.0', private: true, workspaces: ['packages/*'], scripts: { build: 'npm run build --workspaces', test: 'vitest run', lint: 'eslint packages' }, devDependencies: { eslint: '^8.57.0', typescript: '^5.4.5', vitest: '^1.6.0' } },
    'packages/api': { name: `${scope}/${input.name}-api`, version: '1.4.0', private: true, main: 'dist/index.js', scripts: { build: 'tsc -p tsconfig.json' }, dependencies: { [`${scope}/${input.name}-shared`]: '1.0.0', express: '^4.19.2', lodash, pino: '^9.3.2' } },
    'packages/shared': { name: `${scope}/${input.name}-shared`, version: '1.0.0', private: true, main: 'dist/index.js', scripts: { build: 'tsc -p tsconfig.json' }, dependencies: { zod: '^3.23.8' }, devDependencies: { lodash } },
    'packages/web': { name: `${scope}/${input.name}-web`, version: '0.9.2', private: true, scripts: { build: 'tsc -p tsconfig.json' }, dependencies: { axios: '^1.7.4', dayjs: '^1.11.12' } },
  };
  const files: Record<string, string | Uint8Array> = { ...sharedConfigs(random, 'node'), ...sharedDocs(random, 'npm run') };
  for (const [folder, manifest] of Object.entries(manifests)) {
    files[folder === '' ? 'package.json' : `${folder}/package.json`] = json(manifest);
    if (folder !== '') {
      files[`${folder}/tsconfig.json`] = json({ extends: '../../tsconfig.base.json', compilerOptions: { outDir: 'dist' }, include: ['src'] });
      files[`${folder}/src/index.ts`] = `export function ${folder.split('/')[1] ?? 'main'}() {\n  return '${input.name}';\n}\n`;
      files[`${folder}/README.md`] = `# ${String(manifest.name)}\n\nPart of the ${input.name} workspace.\n`;
    }
  }
  for (let i = 0; i < 24; i += 1) {
    const noun = NOUNS[(i * 7) % NOUNS.length] ?? 'item';
    const kind = KINDS[i % KINDS.length] ?? 'service';
    files[`packages/${['api', 'shared', 'web'][i % 3] ?? 'api'}/src/${noun}-${kind}.ts`] = `export function create${pascal(noun)}${pascal(kind)}(log: (line: string) => void) {\n  return { run: (id: string) => log(\`${noun} \${id}\`) };\n}\n`;
  }
  files['tsconfig.base.json'] = json({ compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, composite: true } });
  files['package-lock.json'] = npmLockfile({ manifests });
  return {
    name: input.name,
    team: input.team,
    ecosystem: 'npm',
    language: 'TypeScript',
    files: { ...files, ...common(input, 'npm', random) },
    topics: ['node', 'monorepo', input.team],
    criticality: 2 + Math.floor(random() * 3),
    ci: ciProfile(random),
    library: { package: 'lodash', version: lodash },
    lodash: { block: 'dependencies', version: lodash, path: 'packages/api/package.json' },
  };
}

// -------------------------------------------------------------------------------------------
// Java: Maven and Gradle.

const JAVA_DEPS = {
  logback: { group: 'ch.qos.logback', artifact: 'logback-classic', version: '1.4.14' },
  guava: { group: 'com.google.guava', artifact: 'guava', version: '32.1.3-jre' },
  postgres: { group: 'org.postgresql', artifact: 'postgresql', version: '42.6.0' },
  junit: { group: 'org.junit.jupiter', artifact: 'junit-jupiter', version: '5.10.1' },
};

function javaSources(random: Random, root: string, pkg: string, kotlin: boolean): Record<string, string> {
  const files: Record<string, string> = {};
  const dir = `${root}src/main/${kotlin ? 'kotlin' : 'java'}/${pkg.replace(/\./g, '/')}`;
  const testDir = `${root}src/test/${kotlin ? 'kotlin' : 'java'}/${pkg.replace(/\./g, '/')}`;
  const count = 12 + Math.floor(random() * 30);
  const start = Math.floor(random() * NOUNS.length * KINDS.length);
  for (let i = 0; i < count; i += 1) {
    const index = (start + i * 7) % (NOUNS.length * KINDS.length);
    const noun = NOUNS[index % NOUNS.length] ?? 'item';
    const kind = KINDS[Math.floor(index / NOUNS.length) % KINDS.length] ?? 'service';
    const type = `${pascal(noun)}${pascal(kind)}`;
    if (kotlin) {
      files[`${dir}/${type}.kt`] = `package ${pkg}\n\nimport org.slf4j.LoggerFactory\n\nclass ${type}(private val clock: () -> Long) {\n    private val log = LoggerFactory.getLogger(${type}::class.java)\n\n    fun handle(id: String): Boolean {\n        require(id.isNotBlank()) { "${noun} id is required" }\n        log.info("${kind} {} at {}", id, clock())\n        return id.length > ${1 + (index % 9)}\n    }\n}\n`;
      if (random() < 0.6) files[`${testDir}/${type}Test.kt`] = `package ${pkg}\n\nimport org.junit.jupiter.api.Assertions.assertTrue\nimport org.junit.jupiter.api.Test\n\nclass ${type}Test {\n    @Test\n    fun \`handles a long id\`() {\n        assertTrue(${type} { 0L }.handle("${noun}-0000000042"))\n    }\n}\n`;
    } else {
      files[`${dir}/${type}.java`] = `package ${pkg};\n\nimport org.slf4j.Logger;\nimport org.slf4j.LoggerFactory;\n\n/** Handles ${noun} requests for the ${kind} layer. */\npublic final class ${type} {\n  private static final Logger LOG = LoggerFactory.getLogger(${type}.class);\n\n  public boolean handle(String id) {\n    if (id == null || id.isBlank()) {\n      throw new IllegalArgumentException("${noun} id is required");\n    }\n    LOG.info("${kind} {}", id);\n    return id.length() > ${1 + (index % 9)};\n  }\n}\n`;
      if (random() < 0.6) files[`${testDir}/${type}Test.java`] = `package ${pkg};\n\nimport static org.junit.jupiter.api.Assertions.assertTrue;\n\nimport org.junit.jupiter.api.Test;\n\nclass ${type}Test {\n  @Test\n  void handlesALongId() {\n    assertTrue(new ${type}().handle("${noun}-0000000042"));\n  }\n}\n`;
    }
  }
  files[`${root}src/main/resources/logback.xml`] = '<configuration>\n  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">\n    <encoder>\n      <pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern>\n    </encoder>\n  </appender>\n  <root level="INFO">\n    <appender-ref ref="STDOUT" />\n  </root>\n</configuration>\n';
  return files;
}

const POM_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0"\n         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">\n  <modelVersion>4.0.0</modelVersion>\n';

const dependencyXml = (indent: string, group: string, artifact: string, version?: string, scope?: string): string =>
  [`${indent}<dependency>`, `${indent}  <groupId>${group}</groupId>`, `${indent}  <artifactId>${artifact}</artifactId>`, ...(version ? [`${indent}  <version>${version}</version>`] : []), ...(scope ? [`${indent}  <scope>${scope}</scope>`] : []), `${indent}</dependency>`].join('\n');

function mavenSingle(random: Random, input: { name: string; team: string }, jackson: string): Record<string, string> {
  const pkg = javaPackage(input.name);
  const pom = `${POM_HEAD}\n  <groupId>com.acme</groupId>\n  <artifactId>${input.name}</artifactId>\n  <version>1.${Math.floor(random() * 9)}.0-SNAPSHOT</version>\n  <packaging>jar</packaging>\n  <name>${input.name}</name>\n  <description>The ${input.team} team's ${input.name.split('-').slice(1).join(' ')} service</description>\n\n  <properties>\n    <maven.compiler.release>17</maven.compiler.release>\n    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>\n  </properties>\n\n  <dependencies>\n    <!-- JSON for the HTTP API -->\n${dependencyXml('    ', 'com.fasterxml.jackson.core', 'jackson-databind', jackson)}\n${dependencyXml('    ', JAVA_DEPS.logback.group, JAVA_DEPS.logback.artifact, JAVA_DEPS.logback.version)}\n${dependencyXml('    ', JAVA_DEPS.guava.group, JAVA_DEPS.guava.artifact, JAVA_DEPS.guava.version)}\n${dependencyXml('    ', JAVA_DEPS.junit.group, JAVA_DEPS.junit.artifact, JAVA_DEPS.junit.version, 'test')}\n  </dependencies>\n\n  <build>\n    <plugins>\n      <plugin>\n        <groupId>org.apache.maven.plugins</groupId>\n        <artifactId>maven-surefire-plugin</artifactId>\n        <version>3.2.2</version>\n      </plugin>\n      <plugin>\n        <groupId>org.apache.maven.plugins</groupId>\n        <artifactId>maven-jar-plugin</artifactId>\n        <version>3.3.0</version>\n        <configuration>\n          <archive>\n            <manifest>\n              <mainClass>${pkg}.Application</mainClass>\n            </manifest>\n          </archive>\n        </configuration>\n      </plugin>\n    </plugins>\n  </build>\n</project>\n`;
  return { 'pom.xml': pom, ...javaSources(random, '', pkg, false), [`src/main/java/${pkg.replace(/\./g, '/')}/Application.java`]: javaMain(pkg, input.name) };
}

const javaMain = (pkg: string, name: string): string => `package ${pkg};\n\npublic final class Application {\n  private Application() {}\n\n  public static void main(String[] args) {\n    System.out.println("${name} started");\n  }\n}\n`;

function mavenMulti(random: Random, input: { name: string; team: string }, jackson: string): Record<string, string> {
  const pkg = javaPackage(input.name);
  const version = `2.${Math.floor(random() * 9)}.0-SNAPSHOT`;
  const parent = `${POM_HEAD}\n  <groupId>com.acme</groupId>\n  <artifactId>${input.name}-parent</artifactId>\n  <version>${version}</version>\n  <packaging>pom</packaging>\n\n  <modules>\n    <module>core</module>\n    <module>api</module>\n  </modules>\n\n  <properties>\n    <maven.compiler.release>17</maven.compiler.release>\n    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>\n    <jackson.version>${jackson}</jackson.version>\n    <logback.version>${JAVA_DEPS.logback.version}</logback.version>\n    <junit.version>${JAVA_DEPS.junit.version}</junit.version>\n  </properties>\n\n  <dependencyManagement>\n    <dependencies>\n${dependencyXml('      ', 'com.fasterxml.jackson.core', 'jackson-databind', '${jackson.version}')}\n${dependencyXml('      ', JAVA_DEPS.logback.group, JAVA_DEPS.logback.artifact, '${logback.version}')}\n${dependencyXml('      ', JAVA_DEPS.postgres.group, JAVA_DEPS.postgres.artifact, JAVA_DEPS.postgres.version)}\n${dependencyXml('      ', JAVA_DEPS.junit.group, JAVA_DEPS.junit.artifact, '${junit.version}')}\n    </dependencies>\n  </dependencyManagement>\n\n  <build>\n    <pluginManagement>\n      <plugins>\n        <plugin>\n          <groupId>org.apache.maven.plugins</groupId>\n          <artifactId>maven-surefire-plugin</artifactId>\n          <version>3.2.2</version>\n        </plugin>\n      </plugins>\n    </pluginManagement>\n  </build>\n</project>\n`;
  const module = (artifact: string, deps: string[]): string => `${POM_HEAD}\n  <parent>\n    <groupId>com.acme</groupId>\n    <artifactId>${input.name}-parent</artifactId>\n    <version>${version}</version>\n    <relativePath>../pom.xml</relativePath>\n  </parent>\n\n  <artifactId>${input.name}-${artifact}</artifactId>\n\n  <dependencies>\n${deps.join('\n')}\n  </dependencies>\n</project>\n`;
  return {
    'pom.xml': parent,
    'core/pom.xml': module('core', [dependencyXml('    ', 'com.fasterxml.jackson.core', 'jackson-databind'), dependencyXml('    ', JAVA_DEPS.postgres.group, JAVA_DEPS.postgres.artifact), dependencyXml('    ', JAVA_DEPS.junit.group, JAVA_DEPS.junit.artifact, undefined, 'test')]),
    'api/pom.xml': module('api', [dependencyXml('    ', 'com.acme', `${input.name}-core`, '${project.version}'), dependencyXml('    ', JAVA_DEPS.logback.group, JAVA_DEPS.logback.artifact), dependencyXml('    ', JAVA_DEPS.junit.group, JAVA_DEPS.junit.artifact, undefined, 'test')]),
    ...javaSources(random, 'core/', `${pkg}.core`, false),
    ...javaSources(random, 'api/', `${pkg}.api`, false),
    [`api/src/main/java/${pkg.replace(/\./g, '/')}/api/Application.java`]: javaMain(`${pkg}.api`, input.name),
  };
}

const GRADLEW = '#!/bin/sh\n#\n# Gradle start up script for POSIX generated by Gradle.\n#\nAPP_HOME=$( cd "${0%"${0##*/}"}." > /dev/null && pwd -P ) || exit\nCLASSPATH=$APP_HOME/gradle/wrapper/gradle-wrapper.jar\nexec java -Xmx64m -Xms64m -classpath "$CLASSPATH" org.gradle.wrapper.GradleWrapperMain "$@"\n';
const WRAPPER_PROPERTIES = 'distributionBase=GRADLE_USER_HOME\ndistributionPath=wrapper/dists\ndistributionUrl=https\\://services.gradle.org/distributions/gradle-8.5-bin.zip\nnetworkTimeout=10000\nvalidateDistributionUrl=true\nzipStoreBase=GRADLE_USER_HOME\nzipStorePath=wrapper/dists\n';

/** Gradle with a version catalog (gradle/libs.versions.toml) and the Kotlin DSL. */
function gradleCatalog(random: Random, input: { name: string }, jackson: string): Record<string, string> {
  const pkg = javaPackage(input.name);
  const catalog = `[versions]\njackson = "${jackson}"\nlogback = "${JAVA_DEPS.logback.version}"\njunit = "${JAVA_DEPS.junit.version}"\nkotlin = "1.9.22"\n\n[libraries]\njackson-databind = { module = "com.fasterxml.jackson.core:jackson-databind", version.ref = "jackson" }\njackson-module-kotlin = { module = "com.fasterxml.jackson.module:jackson-module-kotlin", version.ref = "jackson" }\nlogback-classic = { module = "ch.qos.logback:logback-classic", version.ref = "logback" }\nslf4j-api = "org.slf4j:slf4j-api:2.0.9"\njunit-jupiter = { module = "org.junit.jupiter:junit-jupiter", version.ref = "junit" }\n\n[plugins]\nkotlin-jvm = { id = "org.jetbrains.kotlin.jvm", version.ref = "kotlin" }\nversions = { id = "com.github.ben-manes.versions", version = "0.51.0" }\n`;
  const build = `plugins {\n    alias(libs.plugins.kotlin.jvm)\n    alias(libs.plugins.versions)\n    application\n}\n\ngroup = "com.acme"\nversion = "1.${Math.floor(random() * 9)}.0"\n\nrepositories {\n    mavenCentral()\n}\n\ndependencies {\n    implementation(libs.jackson.databind)\n    implementation(libs.jackson.module.kotlin)\n    implementation(libs.slf4j.api)\n    runtimeOnly(libs.logback.classic)\n    implementation("com.google.guava:guava:${JAVA_DEPS.guava.version}")\n    testImplementation(libs.junit.jupiter)\n}\n\nkotlin {\n    jvmToolchain(17)\n}\n\napplication {\n    mainClass.set("${pkg}.ApplicationKt")\n}\n\ntasks.test {\n    useJUnitPlatform()\n}\n`;
  return {
    'settings.gradle.kts': `rootProject.name = "${input.name}"\n`,
    'build.gradle.kts': build,
    'gradle/libs.versions.toml': catalog,
    'gradle.properties': 'org.gradle.jvmargs=-Xmx2g\norg.gradle.caching=true\nkotlin.code.style=official\n',
    ...gradleWrapper(),
    ...javaSources(random, '', pkg, true),
    [`src/main/kotlin/${pkg.replace(/\./g, '/')}/Application.kt`]: `package ${pkg}\n\nfun main() {\n    println("${input.name} started")\n}\n`,
  };
}

function gradleWrapper(): Record<string, string> {
  return { gradlew: GRADLEW, 'gradle/wrapper/gradle-wrapper.properties': WRAPPER_PROPERTIES };
}

/** Gradle (Groovy DSL) with literal coordinates and dependency locking: gradle.lockfile lists every resolved module. */
function gradleLocked(random: Random, input: { name: string }, jackson: string): Record<string, string> {
  const pkg = javaPackage(input.name);
  const jacksonCore = jackson.replace(/^(\d+\.\d+\.\d+).*$/, '$1');
  const build = `plugins {\n    id 'java'\n    id 'application'\n}\n\ngroup = 'com.acme'\nversion = '3.${Math.floor(random() * 9)}.1'\n\njava {\n    toolchain {\n        languageVersion = JavaLanguageVersion.of(17)\n    }\n}\n\nrepositories {\n    mavenCentral()\n}\n\ndependencyLocking {\n    lockAllConfigurations()\n}\n\ndependencies {\n    implementation 'com.fasterxml.jackson.core:jackson-databind:${jackson}'\n    implementation group: '${JAVA_DEPS.postgres.group}', name: '${JAVA_DEPS.postgres.artifact}', version: '${JAVA_DEPS.postgres.version}'\n    implementation "${JAVA_DEPS.logback.group}:${JAVA_DEPS.logback.artifact}:${JAVA_DEPS.logback.version}"\n    testImplementation '${JAVA_DEPS.junit.group}:${JAVA_DEPS.junit.artifact}:${JAVA_DEPS.junit.version}'\n}\n\napplication {\n    mainClass = '${pkg}.Application'\n}\n\ntest {\n    useJUnitPlatform()\n}\n`;
  const runtime = 'compileClasspath,runtimeClasspath,testCompileClasspath,testRuntimeClasspath';
  const lock = [
    '# This is a Gradle generated file for dependency locking.',
    '# Manual edits can break the build and are not advised.',
    '# This file is expected to be part of source control.',
    `ch.qos.logback:logback-classic:${JAVA_DEPS.logback.version}=${runtime}`,
    `ch.qos.logback:logback-core:${JAVA_DEPS.logback.version}=${runtime}`,
    `com.fasterxml.jackson.core:jackson-annotations:${jacksonCore}=${runtime}`,
    `com.fasterxml.jackson.core:jackson-core:${jacksonCore}=${runtime}`,
    `com.fasterxml.jackson.core:jackson-databind:${jackson}=${runtime}`,
    `org.apiguardian:apiguardian-api:1.1.2=testCompileClasspath`,
    `org.checkerframework:checker-qual:3.31.0=${runtime}`,
    `org.junit.jupiter:junit-jupiter-api:${JAVA_DEPS.junit.version}=testCompileClasspath,testRuntimeClasspath`,
    `org.junit.jupiter:junit-jupiter-engine:${JAVA_DEPS.junit.version}=testRuntimeClasspath`,
    `org.junit.jupiter:junit-jupiter-params:${JAVA_DEPS.junit.version}=testCompileClasspath,testRuntimeClasspath`,
    `org.junit.jupiter:junit-jupiter:${JAVA_DEPS.junit.version}=testCompileClasspath,testRuntimeClasspath`,
    `org.junit.platform:junit-platform-commons:1.10.1=testCompileClasspath,testRuntimeClasspath`,
    `org.junit.platform:junit-platform-engine:1.10.1=testRuntimeClasspath`,
    `org.opentest4j:opentest4j:1.3.0=testCompileClasspath,testRuntimeClasspath`,
    `org.postgresql:postgresql:${JAVA_DEPS.postgres.version}=${runtime}`,
    `org.slf4j:slf4j-api:2.0.7=${runtime}`,
    'empty=annotationProcessor,testAnnotationProcessor',
    '',
  ].join('\n');
  return {
    'settings.gradle': `rootProject.name = '${input.name}'\n`,
    'build.gradle': build,
    'gradle.lockfile': lock,
    ...gradleWrapper(),
    ...javaSources(random, '', pkg, false),
    [`src/main/java/${pkg.replace(/\./g, '/')}/Application.java`]: javaMain(pkg, input.name),
  };
}

// -------------------------------------------------------------------------------------------
// Python: pip-compile requirements, PEP 621, Poetry with poetry.lock.

/** Packages the Python services use, with the pins a resolver picked and their own requirements. */
const PY_PACKAGES: Record<string, { versions: string[]; summary: string; python: string; requires?: Record<string, string> }> = {
  requests: { versions: ['2.28.2', '2.31.0', '2.32.3'], summary: 'Python HTTP for Humans.', python: '>=3.7', requires: { certifi: '>=2017.4.17', 'charset-normalizer': '>=2,<4', idna: '>=2.5,<4', urllib3: '>=1.21.1,<3' } },
  certifi: { versions: ['2024.2.2'], summary: 'Python package for providing Mozilla\'s CA Bundle.', python: '>=3.6' },
  'charset-normalizer': { versions: ['3.3.2'], summary: 'The Real First Universal Charset Detector.', python: '>=3.7.0' },
  idna: { versions: ['3.6'], summary: 'Internationalized Domain Names in Applications (IDNA)', python: '>=3.5' },
  urllib3: { versions: ['2.2.1'], summary: 'HTTP library with thread-safe connection pooling, file post, and more.', python: '>=3.8' },
  flask: { versions: ['3.0.2'], summary: 'A simple framework for building complex web applications.', python: '>=3.8', requires: { werkzeug: '>=3.0.0', itsdangerous: '>=2.1.2', click: '>=8.1.3', blinker: '>=1.6.2', jinja2: '>=3.1.2' } },
  werkzeug: { versions: ['3.0.1'], summary: 'The comprehensive WSGI web application library.', python: '>=3.8', requires: { markupsafe: '>=2.1.1' } },
  itsdangerous: { versions: ['2.1.2'], summary: 'Safely pass data to untrusted environments and back.', python: '>=3.7' },
  click: { versions: ['8.1.7'], summary: 'Composable command line interface toolkit', python: '>=3.7' },
  blinker: { versions: ['1.7.0'], summary: 'Fast, simple object-to-object and broadcast signaling', python: '>=3.8' },
  jinja2: { versions: ['3.1.3'], summary: 'A very fast and expressive template engine.', python: '>=3.7', requires: { markupsafe: '>=2.0' } },
  markupsafe: { versions: ['2.1.5'], summary: 'Safely add untrusted strings to HTML/XML markup.', python: '>=3.7' },
  structlog: { versions: ['24.1.0'], summary: 'Structured Logging for Python', python: '>=3.8' },
  gunicorn: { versions: ['21.2.0'], summary: 'WSGI HTTP Server for UNIX', python: '>=3.5', requires: { packaging: '*' } },
  packaging: { versions: ['23.2'], summary: 'Core utilities for Python packages', python: '>=3.7' },
  pytest: { versions: ['8.0.2'], summary: 'pytest: simple powerful testing with Python', python: '>=3.8', requires: { iniconfig: '*', packaging: '*', pluggy: '>=1.3.0,<2.0' } },
  iniconfig: { versions: ['2.0.0'], summary: 'brain-dead simple config-ini parsing', python: '>=3.7' },
  pluggy: { versions: ['1.4.0'], summary: 'plugin and hook calling mechanisms for python', python: '>=3.8' },
};

const pyVersion = (name: string, requests: string): string => (name === 'requests' ? requests : (PY_PACKAGES[name]?.versions.at(-1) ?? '0'));

/** A package and everything it requires, transitively, with the resolved versions and who wanted each. */
function pyClosure(roots: readonly string[], requests: string): Map<string, { version: string; via: Set<string> }> {
  const out = new Map<string, { version: string; via: Set<string> }>();
  const visit = (name: string, via: string): void => {
    const seen = out.get(name);
    if (seen) {
      seen.via.add(via);
      return;
    }
    out.set(name, { version: pyVersion(name, requests), via: new Set([via]) });
    for (const child of Object.keys(PY_PACKAGES[name]?.requires ?? {})) visit(child, name);
  };
  for (const root of roots) visit(root, '-r requirements.in');
  return out;
}

/** A fake but well-formed sha256 for a distribution file (the registry is not reachable from the sandbox). */
function fileHash(file: string): string {
  let h = 0x811c9dc5;
  const out: string[] = [];
  for (let round = 0; round < 8; round += 1) {
    for (const char of `${round}:${file}`) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193) >>> 0;
    out.push(h.toString(16).padStart(8, '0'));
  }
  return out.join('');
}

function pythonSources(random: Random, pkg: string): Record<string, string> {
  const files: Record<string, string> = { [`src/${pkg}/__init__.py`]: `"""The ${pkg} service."""\n\n__version__ = "1.0.0"\n` };
  const count = 10 + Math.floor(random() * 25);
  for (let i = 0; i < count; i += 1) {
    const noun = NOUNS[(i * 3 + Math.floor(random() * 5)) % NOUNS.length] ?? 'item';
    const kind = KINDS[i % KINDS.length] ?? 'service';
    files[`src/${pkg}/${noun}_${kind}.py`] = `"""${pascal(noun)} ${kind}."""\n\nimport structlog\n\nlog = structlog.get_logger(__name__)\n\n\ndef handle_${noun}(${noun}_id: str) -> bool:\n    if not ${noun}_id:\n        raise ValueError("${noun} id is required")\n    log.info("${kind}", ${noun}_id=${noun}_id)\n    return len(${noun}_id) > ${1 + (i % 9)}\n`;
    if (random() < 0.6) files[`tests/test_${noun}_${kind}.py`] = `from ${pkg}.${noun}_${kind} import handle_${noun}\n\n\ndef test_handles_a_long_id() -> None:\n    assert handle_${noun}("${noun}-0000000042")\n`;
  }
  return files;
}

/** requirements.txt as pip-compile writes it: every pin, with `# via` lines (and with `--generate-hashes`, each pin's hashes). */
function pythonRequirements(random: Random, input: { name: string }, requests: string, hashed = false): Record<string, string> {
  const pkg = pythonPackage(input.name);
  const roots = ['flask', 'gunicorn', 'requests', 'structlog'];
  const closure = pyClosure(roots, requests);
  const lines = ['#', '# This file is autogenerated by pip-compile with Python 3.11', '# by the following command:', '#', `#    pip-compile${hashed ? ' --generate-hashes' : ''} requirements.in`, '#'];
  for (const [name, { version, via }] of [...closure].sort(([a], [b]) => a.localeCompare(b))) {
    if (hashed) {
      const files = [`${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`, `${name.replace(/-/g, '_')}-${version}.tar.gz`];
      lines.push(`${name}==${version} \\`, ...files.map((file, index) => `    --hash=sha256:${fileHash(file)}${index < files.length - 1 ? ' \\' : ''}`));
    } else lines.push(`${name}==${version}`);
    const vias = [...via].sort();
    if (vias.length === 1) lines.push(`    # via ${vias[0] ?? ''}`);
    else lines.push('    # via', ...vias.map((item) => `    #   ${item}`));
  }
  return {
    'requirements.in': `${roots.join('\n')}\n`,
    'requirements.txt': `${lines.join('\n')}\n`,
    'requirements-dev.txt': `-r requirements.txt\npytest==${pyVersion('pytest', requests)}\nruff==0.3.0\n`,
    'setup.cfg': `[metadata]\nname = ${input.name}\n\n[options]\npackage_dir =\n    = src\npackages = find:\n\n[options.packages.find]\nwhere = src\n`,
    ...pythonSources(random, pkg),
  };
}

function pythonPep621(random: Random, input: { name: string; team: string }, requests: string): Record<string, string> {
  const pkg = pythonPackage(input.name);
  const low = requests.split('.').slice(0, 2).join('.');
  const pyproject = `[build-system]\nrequires = ["setuptools>=68", "wheel"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "${input.name}"\nversion = "0.${Math.floor(random() * 20)}.0"\ndescription = "The ${input.team} team's ${input.name.split('-').slice(1).join(' ')} service"\nreadme = "README.md"\nrequires-python = ">=3.11"\ndependencies = [\n    "requests>=${low},<3",\n    "structlog>=24.1",\n    "click~=8.1",\n]\n\n[project.optional-dependencies]\ndev = [\n    "pytest>=8.0",\n    "ruff==0.3.0",\n]\n\n[project.scripts]\n${input.name} = "${pkg}.cli:main"\n\n[tool.setuptools.packages.find]\nwhere = ["src"]\n\n[tool.ruff]\nline-length = 120\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n`;
  return { 'pyproject.toml': pyproject, [`src/${pkg}/cli.py`]: `import click\n\n\n@click.command()\ndef main() -> None:\n    click.echo("${input.name}")\n`, ...pythonSources(random, pkg) };
}

/** Poetry: [tool.poetry] tables and poetry.lock (lock-version 2.0, the content-hash Poetry computes). */
function pythonPoetry(random: Random, input: { name: string; team: string }, requests: string): Record<string, string> {
  const pkg = pythonPackage(input.name);
  const pyproject = `[tool.poetry]\nname = "${input.name}"\nversion = "0.${Math.floor(random() * 20)}.0"\ndescription = "The ${input.team} team's ${input.name.split('-').slice(1).join(' ')} service"\nauthors = ["${pascal(input.team)} team <${input.team}@acme.example>"]\nreadme = "README.md"\npackages = [{ include = "${pkg}", from = "src" }]\n\n[tool.poetry.dependencies]\npython = "^3.11"\nrequests = "^${requests}"\nstructlog = "^24.1.0"\nflask = { version = "^3.0.2", extras = ["async"] }\n\n[tool.poetry.group.dev.dependencies]\npytest = "^8.0.2"\n\n[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n`;
  const closure = pyClosure(['requests', 'structlog', 'flask', 'pytest'], requests);
  const blocks: string[] = [];
  for (const [name, { version }] of [...closure].sort(([a], [b]) => a.localeCompare(b))) {
    const info = PY_PACKAGES[name];
    const wheel = `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
    const sdist = `${name.replace(/-/g, '_')}-${version}.tar.gz`;
    const lines = [
      '[[package]]',
      `name = "${name}"`,
      `version = "${version}"`,
      `description = "${(info?.summary ?? '').replace(/"/g, '\\"')}"`,
      `optional = false`,
      `python-versions = "${info?.python ?? '*'}"`,
      'files = [',
      `    {file = "${wheel}", hash = "sha256:${fileHash(wheel)}"},`,
      `    {file = "${sdist}", hash = "sha256:${fileHash(sdist)}"},`,
      ']',
    ];
    const requires = info?.requires ?? {};
    if (Object.keys(requires).length > 0) lines.push('', '[package.dependencies]', ...Object.entries(requires).map(([child, spec]) => `${child} = "${spec}"`));
    if (name === 'flask') lines.push('', '[package.extras]', 'async = ["asgiref (>=3.2)"]', 'dotenv = ["python-dotenv"]');
    blocks.push(lines.join('\n'));
  }
  const lock = `# This file is automatically @generated by Poetry 1.8.2 and should not be changed by hand.\n\n${blocks.join('\n\n')}\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "${poetryContentHash(pyproject)}"\n`;
  return { 'pyproject.toml': pyproject, 'poetry.lock': lock, 'poetry.toml': '[virtualenvs]\nin-project = true\n', ...pythonSources(random, pkg) };
}

// -------------------------------------------------------------------------------------------
// Go: go.mod with its go.sum from the local proxy's catalog.

function goService(random: Random, input: { org: string; name: string }, logrus: string): Record<string, string> {
  const module = `github.com/${input.org}/${input.name}`;
  const requires = [{ module: 'github.com/google/uuid', version: pick(random, ['v1.3.0', 'v1.3.1']) }, { module: 'github.com/sirupsen/logrus', version: logrus }];
  if (random() < 0.5) requires.push({ module: 'github.com/BurntSushi/toml', version: pick(random, ['v1.2.1', 'v1.3.2']) });
  requires.sort((a, b) => a.module.localeCompare(b.module));
  const gomod = `module ${module}\n\ngo 1.19\n\nrequire (\n${requires.map((r) => `\t${r.module} ${r.version}`).join('\n')}\n)\n`;
  const imports = requires.map((r) => `\t"${r.module}"`).join('\n');
  const names = requires.map((r) => (r.module.split('/').pop() ?? '').toLowerCase());
  const main = `package main\n\nimport (\n\t"fmt"\n\n${imports}\n)\n\nfunc main() {\n\tfmt.Println("${input.name}", ${names.map((name) => `${name}.Version`).join(', ')})\n}\n`;
  const files: Record<string, string> = { 'go.mod': gomod, 'go.sum': goSum(requires), 'main.go': main, '.golangci.yml': 'run:\n  timeout: 5m\nlinters:\n  enable:\n    - govet\n    - staticcheck\n    - errcheck\n', Makefile: '.PHONY: build test\nbuild:\n\tgo build ./...\ntest:\n\tgo test ./...\n' };
  const count = 8 + Math.floor(random() * 20);
  for (let i = 0; i < count; i += 1) {
    const noun = NOUNS[(i * 5 + Math.floor(random() * 3)) % NOUNS.length] ?? 'item';
    files[`internal/${noun}/${noun}.go`] = `// Package ${noun} handles ${noun} requests.\npackage ${noun}\n\nimport "errors"\n\n// ErrMissingID is returned for an empty id.\nvar ErrMissingID = errors.New("${noun} id is required")\n\n// Handle checks one ${noun} id.\nfunc Handle(id string) (bool, error) {\n\tif id == "" {\n\t\treturn false, ErrMissingID\n\t}\n\treturn len(id) > ${1 + (i % 9)}, nil\n}\n`;
    files[`internal/${noun}/${noun}_test.go`] = `package ${noun}\n\nimport "testing"\n\nfunc TestHandleLongID(t *testing.T) {\n\tok, err := Handle("${noun}-0000000042")\n\tif err != nil || !ok {\n\t\tt.Fatalf("Handle: %v, %v", ok, err)\n\t}\n}\n`;
  }
  return files;
}

// -------------------------------------------------------------------------------------------
// Dockerfiles, common files, CI profile.

const DIGESTS: Record<string, string> = {
  'eclipse-temurin:17-jre': 'sha256:a7bb6f3d7a38a1e1b0e2b1f36b5d5a5ad6f2c6d0e7bb0c4ed4d5c0c6e21a9b9e',
  'python:3.11-slim': 'sha256:2c1a2f0e7b8c4a3e5d6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d',
  'gcr.io/distroless/static-debian12:nonroot': 'sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02',
};

function dockerfile(random: Random, ecosystem: FleetEcosystem, name: string): string {
  const digest = (image: string): string => (random() < 0.4 ? `${image}@${DIGESTS[image] ?? ''}` : image);
  if (ecosystem === 'maven') return `FROM maven:3.9-eclipse-temurin-17 AS build\nWORKDIR /src\nCOPY . .\nRUN mvn -B -ntp package -DskipTests\n\nFROM ${digest('eclipse-temurin:17-jre')}\nCOPY --from=build /src/target/*.jar /app/app.jar\nUSER 10001\nENTRYPOINT ["java", "-jar", "/app/app.jar"]\n`;
  if (ecosystem === 'gradle') return `FROM gradle:8.5-jdk17 AS build\nWORKDIR /src\nCOPY . .\nRUN gradle installDist --no-daemon\n\nFROM ${digest('eclipse-temurin:17-jre')}\nCOPY --from=build /src/build/install/${name} /app\nUSER 10001\nENTRYPOINT ["/app/bin/${name}"]\n`;
  if (ecosystem === 'python') return `ARG PYTHON_TAG=3.11-slim\nFROM python:\${PYTHON_TAG}\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nUSER 10001\nCMD ["python", "-m", "${pythonPackage(name)}"]\n`;
  return `FROM golang:1.22-alpine AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/${name} .\n\nFROM ${digest('gcr.io/distroless/static-debian12:nonroot')}\nCOPY --from=build /out/${name} /${name}\nENTRYPOINT ["/${name}"]\n`;
}

const GITIGNORE: Partial<Record<FleetEcosystem, string>> = {
  maven: 'target/\n.idea/\n*.iml\n.vscode/\n*.log\n',
  gradle: '.gradle/\nbuild/\n!gradle/wrapper/gradle-wrapper.jar\n.idea/\n*.iml\n*.log\n',
  python: '__pycache__/\n*.py[cod]\n.venv/\n.pytest_cache/\n.ruff_cache/\ndist/\n*.egg-info/\n',
  go: '/bin/\n*.test\n*.out\ncoverage.txt\n.idea/\n',
};

const DEPENDABOT: Record<FleetEcosystem, string> = { npm: 'npm', yarn: 'npm', pnpm: 'npm', maven: 'maven', gradle: 'gradle', python: 'pip', go: 'gomod' };

function common(input: { org: string; name: string; team: string }, ecosystem: FleetEcosystem, random: Random): Record<string, string> {
  const files: Record<string, string> = {
    '.github/CODEOWNERS': `* @${input.org}/${input.team}\n`,
    '.github/workflows/ci.yml': ciWorkflow(ecosystem, random() < 0.35, ['build', 'test', 'lint']),
    '.github/dependabot.yml': `version: 2\nupdates:\n  - package-ecosystem: ${DEPENDABOT[ecosystem]}\n    directory: /\n    schedule:\n      interval: weekly\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n`,
    'README.md': `# ${input.name}\n\nOwned by the ${input.team} team (@${input.org}/${input.team}).\n`,
    'CHANGELOG.md': `# Changelog\n\nAll notable changes to ${input.name} are listed here.\n\n## Unreleased\n\n- Structured logging for every request.\n`,
  };
  const ignore = GITIGNORE[ecosystem];
  if (ignore) files['.gitignore'] = ignore;
  if (ecosystem !== 'npm') files.Dockerfile = dockerfile(random, ecosystem, input.name);
  return files;
}

function ciProfile(random: Random): CiProfile {
  const roll = random();
  return { checks: ['build', 'test', 'lint'], outcome: roll < 0.06 ? 'flaky' : 'pass', ...(roll < 0.06 ? { flakyRate: 0.3 } : {}), durationMs: 120_000 + Math.floor(random() * 6) * 60_000 };
}

// -------------------------------------------------------------------------------------------

type Kind = 'maven' | 'maven-multi' | 'gradle' | 'gradle-locked' | 'requirements' | 'requirements-hashed' | 'pep621' | 'poetry' | 'go';

/** The order kinds are dealt in: Java, Python and Go a third each of the non-Node repositories, every variant in the first twelve, the multi-module, locked and hashed ones once in 24. */
const KIND_CYCLE: Kind[] = ['maven', 'requirements', 'go', 'gradle', 'pep621', 'go', 'maven-multi', 'poetry', 'go', 'gradle-locked', 'requirements-hashed', 'go', 'maven', 'requirements', 'go', 'gradle', 'pep621', 'go', 'maven', 'poetry', 'go', 'gradle', 'requirements', 'go'];

const SERVICE_NAMES: Record<'java' | 'python' | 'go', string[]> = {
  java: ['settlement', 'ranker', 'risk', 'pricing', 'fraud', 'payouts', 'ingest', 'clearing', 'quotes', 'accounts'],
  python: ['scoring', 'etl', 'forecast', 'analytics', 'recommender', 'crawler', 'notebooks', 'pipelines'],
  go: ['proxy', 'router', 'agent', 'collector', 'relay', 'resolver', 'edge-proxy', 'exporter'],
};

/**
 * `count` repositories of the other ecosystems (and, first, the workspace monorepo when
 * `monorepo`), named after their teams, from `seed`'s own stream.
 *
 * @example polyglotRepos({ seed: 7, count: 12, org: 'acme', teams: ['payments'], used: new Set(), startIndex: 24, monorepo: true })
 */
export function polyglotRepos(input: { seed: number; count: number; org: string; teams: readonly string[]; used: Set<string>; startIndex: number; monorepo: boolean }): PolyglotRepo[] {
  const random = createRandom((Math.imul(input.seed, 0x2545f491) ^ 0x9e3779b9) >>> 0);
  const out: PolyglotRepo[] = [];
  const name = (team: string, family: 'java' | 'python' | 'go' | 'monorepo'): string => {
    const pool = family === 'monorepo' ? ['monorepo'] : SERVICE_NAMES[family];
    let candidate = `${team}-${pick(random, pool)}`;
    for (let n = 2; input.used.has(candidate); n += 1) candidate = `${team}-${pick(random, pool)}${n > 3 ? `-${n}` : ''}`;
    input.used.add(candidate);
    return candidate;
  };
  const teamAt = (offset: number): string => input.teams[(input.startIndex + offset) % input.teams.length] ?? 'platform';
  if (input.monorepo) {
    const team = teamAt(0);
    out.push(monorepo(random, { org: input.org, name: name(team, 'monorepo'), team }));
  }
  for (let i = 0; i < input.count; i += 1) {
    // The kinds cycle in threes per language, so shift the teams every three to give each team every language.
    const team = teamAt(out.length + Math.floor(i / 3));
    const kind = KIND_CYCLE[i % KIND_CYCLE.length] ?? 'go';
    const family = kind === 'go' ? 'go' : kind === 'requirements' || kind === 'requirements-hashed' || kind === 'pep621' || kind === 'poetry' ? 'python' : 'java';
    const repoName = name(team, family);
    const meta = { org: input.org, name: repoName, team };
    let ecosystem: FleetEcosystem;
    let language: FleetLanguage;
    let files: Record<string, string>;
    let library: { package: string; version: string };
    if (family === 'java') {
      const jackson = pick(random, POLYGLOT_LIBRARIES.maven.old);
      library = { package: POLYGLOT_LIBRARIES.maven.package, version: jackson };
      ecosystem = kind === 'maven' || kind === 'maven-multi' ? 'maven' : 'gradle';
      language = kind === 'gradle' ? 'Kotlin' : 'Java';
      files = kind === 'maven' ? mavenSingle(random, meta, jackson) : kind === 'maven-multi' ? mavenMulti(random, meta, jackson) : kind === 'gradle' ? gradleCatalog(random, meta, jackson) : gradleLocked(random, meta, jackson);
    } else if (family === 'python') {
      const requests = pick(random, POLYGLOT_LIBRARIES.python.old);
      library = { package: POLYGLOT_LIBRARIES.python.package, version: requests };
      ecosystem = 'python';
      language = 'Python';
      files = kind === 'requirements' || kind === 'requirements-hashed' ? pythonRequirements(random, meta, requests, kind === 'requirements-hashed') : kind === 'pep621' ? pythonPep621(random, meta, requests) : pythonPoetry(random, meta, requests);
    } else {
      const logrus = pick(random, POLYGLOT_LIBRARIES.go.old);
      library = { package: POLYGLOT_LIBRARIES.go.package, version: logrus };
      ecosystem = 'go';
      language = 'Go';
      files = goService(random, meta, logrus);
    }
    const docs = sharedDocs(random, family === 'java' ? (ecosystem === 'maven' ? 'mvn -B' : './gradlew') : family === 'python' ? 'python -m' : 'go');
    out.push({
      name: repoName,
      team,
      ecosystem,
      language,
      files: { ...sharedConfigs(random, family), ...docs, ...files, ...common(meta, ecosystem, random) },
      topics: [language.toLowerCase(), 'service', team],
      criticality: Math.min(5, Math.floor(random() * 6)),
      ci: ciProfile(random),
      library,
      lodash: null,
    });
  }
  return out;
}
